/**
 * The library's call arguments, checked where they enter (`createAttune`, `start`, `emit`, `run`,
 * `executions.*`, `gc`): strict objects, so a misspelt option key is refused with a "did you mean"
 * instead of silently ignored, and a value of the wrong type is named instead of failing deep
 * inside (a Postgres cast, a `.map` of a string) or never settling (`wait({ timeoutMs: 'x' })`).
 */
import { z } from 'zod';
import { strictObject } from '../did-you-mean.ts';
import { issuesLine, ValidationError } from '../errors.ts';
import { executionStatuses } from '../domain/execution-lifecycle.ts';
import { actorNames } from './attune-api.ts';

const posInt = z.number().int().positive();
const text = z.string().min(1);
export const executionIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const definitionSchema = z.looseObject({ kind: z.enum(['action', 'trigger', 'workflow']), ref: z.string() });
const loggerSchema = z.custom<object>(
  (v) => typeof v === 'object' && v !== null && ['info', 'warn', 'error', 'child'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'must be a pino logger (info, warn, error and child functions)',
);

/** Only the keys `resolveConfig` does not see: the rest is `optionsSchema` (src/config.ts). */
export const createOptionsSchema = z.looseObject({
  definitions: z.array(definitionSchema, 'must be an array of defineAction / defineTrigger / defineWorkflow results').optional(),
  logger: loggerSchema.optional(),
});

export const startOptionsSchema = strictObject({
  actors: z.array(z.enum(actorNames)).optional(),
  runtimes: z.array(z.string()).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
});

export const emitOptionsSchema = strictObject({ dedupeKey: text.optional(), trace: text.optional(), triggerInstanceId: posInt.optional() });

const runShape = {
  timeoutMs: posInt.optional(),
  wait: z.boolean().optional(),
  waitTimeoutMs: posInt.optional(),
  trace: text.optional(),
  idempotencyKey: z.string().optional(), // its length is checked by the service, with the value in the message
};
export const runOptionsSchema = strictObject(runShape);
export const rerunOptionsSchema = strictObject({ ...runShape, fromTask: text.optional() });

export const waitOptionsSchema = strictObject({
  timeoutMs: posInt.optional(),
  pollMs: posInt.optional(),
  until: z.custom<(row: unknown) => boolean>((v) => typeof v === 'function', 'must be a function').optional(),
});

export const listOptionsSchema = strictObject({
  status: z.enum(executionStatuses).optional(),
  action: text.optional(),
  trace: text.optional(),
  parent: executionIdSchema.optional(),
  before: executionIdSchema.optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});

export const gcOptionsSchema = strictObject({ dryRun: z.boolean().optional(), olderThanMs: z.number().int().min(0).optional() });

/** `value` checked by `schema` (`undefined` allowed when `optional`), else a ValidationError naming `what`, each field and value. */
export function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`${what}: ${issuesLine(parsed.error)}`);
  return parsed.data;
}

/** Options objects are optional: `undefined` is `{}`; anything else must fit the schema. */
export function options<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  return value === undefined ? ({} as T) : checked(schema, value, what);
}

/** An execution id: a positive integer (a string such as `'abc'` used to reach Postgres as a failed bigint cast). */
export function executionId(id: unknown, what: string): number {
  const parsed = executionIdSchema.safeParse(id);
  if (!parsed.success) throw new ValidationError(`${what}: execution id must be a positive integer, got ${typeof id === 'string' ? `"${id}"` : String(id)}`);
  return parsed.data;
}
