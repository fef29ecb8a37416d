/**
 * Rule criteria (StackStorm's format): keys are dotted paths into the event, values name an
 * operator and its pattern; `or`/`and` take lists of criteria objects and `not` takes one.
 * Criteria compile once into a tree of closures (cached per criteria object), so matching an
 * event walks paths and calls predicates without parsing or allocating.
 */
import { z } from 'zod';
import { compile, compileCached, describe } from './criteria-compiler.ts';
import type { CriteriaEvent } from './criteria-paths.ts';
import { isPlainObject } from './operators.ts';

export { OPERATOR_NAMES, SEARCH_CONDITIONS } from './criteria-compiler.ts';
export type { CriteriaEvent } from './criteria-paths.ts';

const criterionSchema = z.strictObject({
  type: z.string().min(1),
  pattern: z.unknown().optional(),
  /** search only: any | all | any2any | all2any */
  condition: z.string().optional(),
});

export const criteriaSchema = z
  .object({
    get or() {
      return z.array(criteriaSchema).optional();
    },
    get and() {
      return z.array(criteriaSchema).optional();
    },
    get not() {
      return criteriaSchema.optional();
    },
  })
  .catchall(criterionSchema);

export type Criterion = z.infer<typeof criterionSchema>;
export type Criteria = z.infer<typeof criteriaSchema>;

// ---- public API -------------------------------------------------------------------------------

/** Human-readable problems with a criteria object (empty = valid); each names its criterion key. */
export function validateCriteria(criteria: unknown): string[] {
  if (criteria === undefined || criteria === null) return [];
  if (!isPlainObject(criteria)) return [`criteria: must be an object of criteria, got ${describe(criteria)}`];
  return [...compile(criteria).problems];
}

/**
 * Whether an event satisfies the criteria (all top-level keys must match; empty matches all).
 * Pure and never throws: type mismatches, missing keys and invalid criteria evaluate to false.
 * Compilation is cached per criteria object, so keep rule objects around between events.
 */
export function matchCriteria(criteria: Criteria, event: CriteriaEvent, now?: Date): boolean {
  const raw: unknown = criteria;
  if (raw === undefined || raw === null) return true;
  if (!isPlainObject(raw)) return false;
  const { node } = compileCached(raw);
  try {
    return node({ event, item: undefined, nowMs: now ? now.getTime() : Date.now() });
  } catch {
    return false; // e.g. a payload nested deeper than the stack
  }
}
