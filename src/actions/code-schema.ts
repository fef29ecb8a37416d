/**
 * Schemas of code-first definitions (`defineAction`, `defineTrigger`): a zod schema, or the
 * JSON-schema subsets that packs use. A zod schema is turned into that subset for storage
 * (`z.toJSONSchema`), so the scheduler, dry-run and the CLI see the same declarations as for a
 * pack; the process that defined it also checks values with zod itself, which says more. The
 * types below infer TypeScript types from the subsets, so a code-first definition is typed
 * either way.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { parameterTypes, type ParametersSpec, type ParameterSpec } from './parameters.ts';

/** `<pack>.<name>`, as in pack files. */
export const definitionRef = /^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$/i;

/** A zod schema (any zod 4 copy: detected by its internals, not by `instanceof`). */
export type ZodSchema = z.ZodType;

export function isZodSchema(value: unknown): value is ZodSchema {
  return typeof value === 'object' && value !== null && '_zod' in value && '~standard' in value;
}

/** The JSON schema of what callers pass in (defaults make a field optional), without `$schema`. */
export function jsonSchemaOf(schema: ZodSchema, what: string): Record<string, unknown> {
  try {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return json;
  } catch (err) {
    throw new ValidationError(`${what}: the zod schema cannot be stored as JSON schema (${String(err)})`, { cause: err });
  }
}

interface JsonProperty {
  type?: unknown;
  description?: unknown;
  default?: unknown;
  enum?: unknown[];
}

/** A zod object schema as pack parameters: type, required, default, enum per property; `secrets` are flagged. */
export function parametersFromZod(schema: ZodSchema, what: string, secrets: readonly string[] = []): ParametersSpec {
  const json = jsonSchemaOf(schema, what);
  if (json.type !== 'object') throw new ValidationError(`${what}: parameters must be a zod object schema (z.object({...}))`);
  const required = new Set(Array.isArray(json.required) ? (json.required as string[]) : []);
  const props = (json.properties ?? {}) as Record<string, JsonProperty>;
  const spec: ParametersSpec = {};
  for (const [name, p] of Object.entries(props)) {
    const type = (p.type === undefined && Array.isArray(p.enum) ? 'string' : p.type) as ParameterSpec['type'];
    if (!parameterTypes.includes(type))
      throw new ValidationError(`${what}: parameter "${name}" has no single type (${JSON.stringify(p.type ?? null)}); use ${parameterTypes.join(', ')}`);
    spec[name] = {
      type,
      required: required.has(name),
      secret: secrets.includes(name),
      ...(typeof p.description === 'string' ? { description: p.description } : {}),
      ...(p.default !== undefined ? { default: p.default } : {}),
      ...(p.enum ? { enum: p.enum } : {}),
    };
  }
  for (const s of secrets) if (!(s in spec)) throw new ValidationError(`${what}: secret "${s}" is not a parameter`);
  return spec;
}

/** Checks a value with zod; a ValidationError lists every problem with its path. */
export function parseWithZod<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ValidationError(`${what}: ${problems.join('; ')}`);
}

// ---- types inferred from the JSON-schema subsets -------------------------------------------

type ValueOf<T> = T extends 'integer' | 'number'
  ? number
  : T extends 'boolean'
    ? boolean
    : T extends 'null'
      ? null
      : T extends 'array'
        ? unknown[]
        : T extends 'object'
          ? Record<string, unknown>
          : T extends 'string'
            ? string
            : unknown;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Parameters from a pack-style declaration (`{ to: { type: 'string', required: true } }`); `type` defaults to string. */
export type ParamsFromSpec<S> = Simplify<
  { [K in keyof S as S[K] extends { required: true } ? K : never]: S[K] extends { type: infer T } ? ValueOf<T> : string } & {
    [K in keyof S as S[K] extends { required: true } ? never : K]?: S[K] extends { type: infer T } ? ValueOf<T> : string;
  }
>;

type Required<S> = S extends { required: readonly (infer R)[] } ? R : never;
type ValueOfJson<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'object'; properties: object }
    ? PayloadFromSchema<S>
    : S extends { type: infer T }
      ? ValueOf<T>
      : unknown;

/** A payload from the trigger JSON-schema subset: typed properties, `required` ones mandatory. */
export type PayloadFromSchema<S> = S extends { properties: infer P }
  ? Simplify<
      { [K in keyof P as K extends Required<S> ? K : never]: ValueOfJson<P[K]> } & {
        [K in keyof P as K extends Required<S> ? never : K]?: ValueOfJson<P[K]>;
      } & (S extends {
          additionalProperties: false;
        }
          ? unknown
          : Record<string, unknown>)
    >
  : Record<string, unknown>;
