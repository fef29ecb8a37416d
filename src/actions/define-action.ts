/**
 * Code-first actions: the parameter schema and the handler in one call, like a BullMQ job or an
 * Inngest function. `defineAction()` is pure; `createAttune({ definitions })` registers the
 * handler in the process and stores the action like a pack's (runtime `node`, no script), so
 * the scheduler, `run()`, rules, dry-run and the CLI see it.
 */
import type { z } from 'zod';
import type { HandlerContext, InProcessHandler } from '../domain/action-handler.ts';
import { ValidationError } from '../errors.ts';
import { didYouMean } from '../did-you-mean.ts';
import { definitionRef, isZodSchema, parametersFromZod, parseWithZod, type ParamsFromSpec, type ZodSchema } from './code-schema.ts';
import { parametersSpecSchema, type ParametersSpec, type ParametersSpecInput } from './parameters.ts';

/** What callers pass (`run`, rules) and what the handler receives, from a zod schema or a pack-style declaration. */
export type ParamsIn<S> = S extends ZodSchema ? z.input<S> : ParamsFromSpec<S>;
export type ParamsOut<S> = S extends ZodSchema ? z.output<S> : ParamsFromSpec<S>;

export interface ActionInput<Ref extends string, S, R> {
  /** `<pack>.<name>`; the pack row is created if missing. */
  ref: Ref;
  description?: string;
  /** A zod object schema, or parameters as in an action YAML (`{ to: { type: 'string', required: true } }`). */
  parameters: S;
  /** Parameters never logged nor stored in clear (as `secret: true` in YAML). */
  secrets?: readonly string[];
  timeoutMs?: number;
  handler: (params: ParamsOut<S>, ctx: HandlerContext) => Promise<R>;
}

export interface ActionDefinition<Ref extends string = string, In = Record<string, unknown>> {
  readonly kind: 'action';
  readonly ref: Ref;
  readonly description: string;
  /** As stored: the pack parameter declarations. */
  readonly parameters: ParametersSpec;
  readonly timeoutMs: number | null;
  /** Checks the parameters (zod when given) and calls the handler. */
  readonly handler: InProcessHandler;
  /** Checks parameters before an execution is requested (throws a ValidationError). */
  readonly check: (params: Record<string, unknown>) => void;
  /** Type-level only: the parameters callers pass. */
  readonly __params?: In;
}

export function defineAction<const Ref extends string, const S extends ZodSchema | ParametersSpecInput, R>(
  input: ActionInput<Ref, S, R>,
): ActionDefinition<Ref, ParamsIn<S>> {
  const what = `action ${typeof input?.ref === 'string' ? input.ref : '(no ref)'}`;
  checkDefinitionKeys(input, actionKeys, what);
  if (typeof input.handler !== 'function') throw new ValidationError(`${what}: handler must be a function, got ${typeof input.handler}`);
  if (input.secrets !== undefined && (!Array.isArray(input.secrets) || input.secrets.some((s) => typeof s !== 'string')))
    throw new ValidationError(`${what}: secrets must be an array of parameter names, got ${JSON.stringify(input.secrets)}`);
  if (input.timeoutMs !== undefined && (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1))
    throw new ValidationError(`${what}: timeoutMs must be a positive integer, got ${JSON.stringify(input.timeoutMs)}`);
  const { spec, parse } = codeParameters(input.ref, input.parameters, input.secrets, what);
  return {
    kind: 'action',
    ref: input.ref,
    description: input.description ?? '',
    parameters: spec,
    timeoutMs: input.timeoutMs ?? null,
    handler: (params, ctx) => input.handler(parse(params) as ParamsOut<S>, ctx),
    check: (params) => void parse(params),
  };
}

const actionKeys = ['ref', 'description', 'parameters', 'secrets', 'timeoutMs', 'handler'];

/** A definition must be an object of known keys: a misspelt one (`handle:`, `paramaters:`) is refused with a "did you mean". */
export function checkDefinitionKeys(input: unknown, known: readonly string[], what: string): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ValidationError(`${what}: the definition must be an object`);
  const unknown = Object.keys(input).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const named = unknown.map((k) => (didYouMean(k, known) ? `"${k}" (did you mean "${didYouMean(k, known)}"?)` : `"${k}"`));
  throw new ValidationError(`${what}: unknown key${unknown.length > 1 ? 's' : ''} ${named.join(', ')}; known: ${known.join(', ')}`);
}

/** The stored declarations of a code-first definition's parameters, and the check of the defining process (zod when given). */
export function codeParameters(
  ref: string,
  schema: ZodSchema | ParametersSpecInput,
  secrets: readonly string[] | undefined,
  what: string,
): { spec: ParametersSpec; parse: (params: Record<string, unknown>) => unknown } {
  if (!definitionRef.test(ref)) throw new ValidationError(`${what}: ref must look like "<pack>.<name>"`);
  const zod = isZodSchema(schema) ? schema : null;
  const parsed = zod ? null : parametersSpecSchema.safeParse(schema);
  if (parsed && !parsed.success)
    throw new ValidationError(`${what}: parameters: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const spec = zod ? parametersFromZod(zod, what, secrets) : withSecrets(parsed?.data ?? {}, secrets ?? [], what);
  return { spec, parse: (params) => (zod ? parseWithZod(zod, params, `parameters of ${ref}`) : params) };
}

function withSecrets(spec: ParametersSpec, secrets: readonly string[], what: string): ParametersSpec {
  for (const s of secrets) if (!(s in spec)) throw new ValidationError(`${what}: secret "${s}" is not a parameter`);
  return Object.fromEntries(Object.entries(spec).map(([k, p]) => [k, secrets.includes(k) ? { ...p, secret: true } : p]));
}
