/**
 * Validates emitted payloads against their trigger's `payload_schema`, read from Postgres and
 * cached for a short while (a reloaded pack takes effect within `ttlMs`). A trigger that is not
 * stored is refused: its events could never match a rule.
 */
import type { Sql } from '../db/sql.ts';
import { ValidationError } from '../errors.ts';
import { validatePayload } from './payload-schema.ts';

export interface PayloadChecker {
  /** Throws a ValidationError naming the trigger and every problem. */
  check(triggerRef: string, payload: unknown): Promise<void>;
}

export function createPayloadChecker(sql: Sql, ttlMs = 2000): PayloadChecker {
  const cache = new Map<string, { schema: unknown; until: number }>();
  /** The trigger's schema (null: none declared), or undefined when the trigger is not stored. */
  async function schemaOf(ref: string): Promise<unknown> {
    const hit = cache.get(ref);
    if (hit && hit.until > Date.now()) return hit.schema;
    const [row] = await sql<{ payload_schema: unknown }[]>`select payload_schema from trigger where ref = ${ref}`;
    const schema = row ? (row.payload_schema ?? null) : undefined;
    cache.set(ref, { schema, until: Date.now() + ttlMs });
    return schema;
  }
  return {
    async check(triggerRef, payload) {
      const schema = await schemaOf(triggerRef);
      if (schema === undefined) throw new ValidationError(`trigger "${triggerRef}" does not exist (load the pack that declares it first)`);
      if (schema === null) return;
      const problems = validatePayload(schema, payload);
      if (problems.length > 0) throw new ValidationError(`payload refused by trigger "${triggerRef}": ${problems.join('; ')}`);
    },
  };
}
