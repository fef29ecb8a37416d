/**
 * Retention under chaos (`--retention N`): N finished executions, with their enforcements and
 * events, back-dated 40 days (past the default 30-day retention; action ref `chaos.old`, so no
 * action run is expected of them) before the run; the managers' retention sweep runs every second through the kills and restarts. At the end every seeded row
 * must be gone and every row of the run kept (the usual missing/duplicated counts).
 */
import type { Sql } from '../../src/db/sql.ts';

const OLD = 'chaos-old:';

export async function seedOldRows(sql: Sql, n: number, actionRef: string): Promise<void> {
  await sql`
    with ev as (
      insert into event (id, trigger_ref, payload, dedupe_key, trace, occurred_at, created_at)
      select gen_random_uuid(), 'chaos.old', '{}', ${OLD} || i, ${OLD} || i, now() - interval '40 days', now() - interval '40 days'
      from generate_series(1, ${n}::int) i
      returning id, trace),
    en as (
      insert into enforcement (rule_ref, event_id, trace, created_at)
      select 'chaos.old', id, trace, now() - interval '40 days' from ev
      returning id, trace)
    insert into execution (enforcement_id, action_ref, status, trace, requested_at, finished_at)
    select id, ${actionRef}, 'succeeded', trace, now() - interval '40 days', now() - interval '40 days' from en`;
}

/** Seeded rows still stored (events, enforcements and executions together). */
export async function oldRowsLeft(sql: Sql): Promise<number> {
  const [r] = await sql<{ n: number }[]>`
    select (select count(*) from event where trace like ${OLD + '%'})
         + (select count(*) from enforcement where trace like ${OLD + '%'})
         + (select count(*) from execution where trace like ${OLD + '%'}) as n`;
  return Number(r?.n ?? 0);
}

/** The fleet's retention settings: the default age, swept every second in small batches. */
export const chaosRetention = { everyMs: 1000, batchSize: 200 };
