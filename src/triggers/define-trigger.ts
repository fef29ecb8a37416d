/**
 * Code-first triggers: a ref and a payload schema in one call. Stored like a pack's trigger (its
 * payload schema as the JSON-schema subset), so rules, webhooks and `attune emit` check it too;
 * `emit()` in the defining process checks with zod itself when the schema is zod.
 */
import type { z } from 'zod';
import { definitionRef, isZodSchema, jsonSchemaOf, parseWithZod, type PayloadFromSchema, type ZodSchema } from '../actions/code-schema.ts';
import { ValidationError } from '../errors.ts';
import { checkDefinitionKeys } from '../actions/define-action.ts';
import { checkSchema, validatePayload, type PayloadSchema } from './payload-schema.ts';

export type PayloadIn<S> = S extends ZodSchema ? z.input<S> : PayloadFromSchema<S>;

export interface TriggerInput<Ref extends string, S> {
  /** `<pack>.<name>`; the pack row is created if missing. */
  ref: Ref;
  description?: string;
  /** A zod object schema, or a `payload_schema` as in a trigger YAML. */
  payload: S;
}

export interface TriggerDefinition<Ref extends string = string, Payload = Record<string, unknown>> {
  readonly kind: 'trigger';
  readonly ref: Ref;
  readonly description: string;
  /** As stored: the JSON-schema subset. */
  readonly payloadSchema: Record<string, unknown>;
  /** The payload to publish (zod's output when the schema is zod); throws a ValidationError naming every problem. */
  readonly parse: (payload: Record<string, unknown>) => Record<string, unknown>;
  /** Type-level only. */
  readonly __payload?: Payload;
}

export function defineTrigger<const Ref extends string, const S extends ZodSchema | PayloadSchema>(
  input: TriggerInput<Ref, S>,
): TriggerDefinition<Ref, PayloadIn<S>> {
  const what = `trigger ${typeof input?.ref === 'string' ? input.ref : '(no ref)'}`;
  checkDefinitionKeys(input, ['ref', 'description', 'payload'], what);
  if (input.payload === undefined) throw new ValidationError(`${what}: payload is required (a zod object schema or a payload_schema)`);
  if (!definitionRef.test(input.ref)) throw new ValidationError(`${what}: ref must look like "<pack>.<name>"`);
  const zod = isZodSchema(input.payload) ? (input.payload as z.ZodType<Record<string, unknown>>) : null;
  const payloadSchema = zod ? jsonSchemaOf(zod, what) : (input.payload as Record<string, unknown>);
  const problems = checkSchema(payloadSchema);
  if (problems.length > 0) throw new ValidationError(`${what}: ${problems.join('; ')}`);
  return {
    kind: 'trigger',
    ref: input.ref,
    description: input.description ?? '',
    payloadSchema,
    parse(payload) {
      if (zod) return parseWithZod(zod, payload, `payload refused by trigger "${input.ref}"`);
      const found = validatePayload(payloadSchema, payload);
      if (found.length > 0) throw new ValidationError(`payload refused by trigger "${input.ref}": ${found.join('; ')}`);
      return payload;
    },
  };
}
