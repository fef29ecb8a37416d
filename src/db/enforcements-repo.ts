/** Reads of enforcements for the API and CLI: what each rule made of each event, and why (flow control). */
import type { Sql } from './sql.ts';

/** `created`, `failed`, or what flow control decided: `throttled`, `debounced`, `deduplicated`. */
export const enforcementStatuses = ['created', 'failed', 'throttled', 'debounced', 'deduplicated'] as const;

export interface EnforcementRow {
  id: number;
  rule_ref: string;
  event_id: string;
  /** One of `enforcementStatuses`. */
  status: string;
  /** The key flow control decided on (null without flow control). */
  flow_key: string | null;
  reason: string | null;
  /** The execution it requested, if any. */
  execution_id: number | null;
  created_at: Date;
}

export interface EnforcementListOptions {
  status?: string;
  /** Keyset cursor: only enforcements with a smaller id (the `next` of the previous page). */
  before?: number;
  limit?: number;
}

/** A rule's enforcements, newest first. */
export async function listEnforcements(sql: Sql, ruleRef: string, o: EnforcementListOptions = {}): Promise<EnforcementRow[]> {
  const limit = Math.min(Math.max(o.limit ?? 50, 1), 10_000);
  return sql<EnforcementRow[]>`
    select f.id, f.rule_ref, f.event_id, f.status, f.flow_key, f.reason, x.id as execution_id, f.created_at
    from enforcement f left join execution x on x.enforcement_id = f.id
    where f.rule_ref = ${ruleRef} and (${o.status ?? null}::text is null or f.status = ${o.status ?? null})
      ${o.before ? sql`and f.id < ${o.before}` : sql``}
    order by f.id desc limit ${limit}`;
}
