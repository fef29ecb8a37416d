/**
 * Retention: finished executions older than the retention age, then enforcements left without an
 * execution, then events left without an enforcement, then trigger instances nothing uses any more,
 * deleted in small batches (one short transaction each, rows picked `for update skip locked`), so
 * the hot tables are never locked for long. Each batch takes a transaction-level advisory lock
 * first: while one process collects, the others skip (one at a time). Running and queued
 * executions, and everything they point to, stay.
 *
 * A trigger instance goes when it is older than the retention age, no rule points to it (enabled or
 * not: `rule.trigger_instance_id` is a foreign key without cascade, so Postgres refuses anyway), no
 * event left references it, and its timer (if it is one) fired no tick within the retention age.
 * Sensors arm only instances of enabled rules; a rule saved again with the same parameters
 * recreates its instance, so a webhook URL keeps working.
 */
import { terminalStatuses } from '../domain/execution-lifecycle.ts';
import type { Sql } from './sql.ts';

/** Advisory lock key of garbage collection (any fixed 64-bit number; "attune gc"). */
const GC_LOCK = 0x617474756e65_6763n;

export interface GcOptions {
  /** Rows finished (executions) or created (enforcements, events, trigger instances) longer ago than this go. */
  olderThanMs: number;
  batchSize: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
}

export interface GcResult {
  executions: number;
  enforcements: number;
  events: number;
  /** Trigger instances no rule, retained event or recent timer tick uses any more. */
  triggerInstances: number;
  /** False when another process held the lock: this one did nothing. */
  ran: boolean;
}

type Step = 'executions' | 'enforcements' | 'events' | 'triggerInstances';
const STEPS: readonly Step[] = ['executions', 'enforcements', 'events', 'triggerInstances'];

const finished = terminalStatuses as readonly string[] as string[];

/** Execution `x` is old and finished. */
const executionGoes = (sql: Sql, cutoff: Date) => sql`(x.finished_at < ${cutoff} and x.status = any(${finished}::text[]))`;
/** No rule, and no timer tick within the age, uses instance `ti` (the events are checked apart). */
const instanceUnused = (sql: Sql, cutoff: Date) => sql`ti.created_at < ${cutoff}
  and not exists (select 1 from rule r where r.trigger_instance_id = ti.id)
  and not exists (select 1 from timer_tick t where t.trigger_instance_id = ti.id and t.updated_at >= ${cutoff})`;

function batch(tx: Sql, step: Step, cutoff: Date, limit: number) {
  if (step === 'executions') {
    return tx`delete from execution where id in (
      select x.id from execution x where ${executionGoes(tx, cutoff)}
      order by x.finished_at limit ${limit} for update skip locked) returning id`;
  }
  if (step === 'enforcements') {
    return tx`delete from enforcement where id in (
      select n.id from enforcement n where n.created_at < ${cutoff}
        and not exists (select 1 from execution x where x.enforcement_id = n.id)
        and not exists (select 1 from debounce_window w where w.rule_id = n.rule_id and w.event_id = n.event_id)
      order by n.created_at limit ${limit} for update skip locked) returning id`;
  }
  if (step === 'events') {
    return tx`delete from event where id in (
      select v.id from event v where v.created_at < ${cutoff}
        and not exists (select 1 from enforcement n where n.event_id = v.id)
      order by v.created_at limit ${limit} for update skip locked) returning id`;
  }
  return tx`delete from trigger_instance where id in (
    select ti.id from trigger_instance ti where ${instanceUnused(tx, cutoff)}
      and not exists (select 1 from event v where v.trigger_instance_id = ti.id)
    order by ti.created_at limit ${limit} for update of ti skip locked) returning id`;
}

/** What would be left without a child once the older steps ran. */
function count(sql: Sql, step: Step, cutoff: Date) {
  const enforcementGoes = sql`(n.created_at < ${cutoff}
    and not exists (select 1 from debounce_window w where w.rule_id = n.rule_id and w.event_id = n.event_id)
    and not exists (select 1 from execution x where x.enforcement_id = n.id and not ${executionGoes(sql, cutoff)}))`;
  const eventGoes = sql`(v.created_at < ${cutoff} and not exists (select 1 from enforcement n where n.event_id = v.id and not ${enforcementGoes}))`;
  if (step === 'executions') return sql<{ n: number }[]>`select count(*)::int as n from execution x where ${executionGoes(sql, cutoff)}`;
  if (step === 'enforcements') return sql<{ n: number }[]>`select count(*)::int as n from enforcement n where ${enforcementGoes}`;
  if (step === 'events') return sql<{ n: number }[]>`select count(*)::int as n from event v where ${eventGoes}`;
  return sql<{ n: number }[]>`select count(*)::int as n from trigger_instance ti where ${instanceUnused(sql, cutoff)}
    and not exists (select 1 from event v where v.trigger_instance_id = ti.id and not ${eventGoes})`;
}

/** Deletes (or, dry, counts) what retention lets go; several processes may call it at once. */
export async function collectGarbage(sql: Sql, o: GcOptions): Promise<GcResult> {
  const cutoff = new Date(Date.now() - o.olderThanMs);
  const out: GcResult = { executions: 0, enforcements: 0, events: 0, triggerInstances: 0, ran: true };
  for (const step of STEPS) {
    if (o.dryRun) {
      out[step] = (await count(sql, step, cutoff))[0]?.n ?? 0;
      continue;
    }
    for (;;) {
      const removed = await sql.begin(async (tx) => {
        const [lock] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${String(GC_LOCK)}::bigint) as ok`;
        if (!lock?.ok) return null;
        return (await batch(tx as unknown as Sql, step, cutoff, o.batchSize)).length;
      });
      if (removed === null) return { ...out, ran: false };
      out[step] += removed;
      if (removed < o.batchSize) break;
    }
  }
  return out;
}
