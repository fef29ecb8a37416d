/**
 * Retention: finished executions older than the retention age, then enforcements left without an
 * execution, then events left without an enforcement, deleted in small batches (one short
 * transaction each, rows picked `for update skip locked`), so the hot tables are never locked for
 * long. Each batch takes a transaction-level advisory lock first: while one process collects, the
 * others skip (one at a time). Running and queued executions, and everything they point to, stay.
 */
import { terminalStatuses } from '../domain/execution-lifecycle.ts';
import type { Sql } from './sql.ts';

/** Advisory lock key of garbage collection (any fixed 64-bit number; "attune gc"). */
const GC_LOCK = 0x617474756e65_6763n;

export interface GcOptions {
  /** Rows finished (executions) or created (enforcements, events) longer ago than this go. */
  olderThanMs: number;
  batchSize: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
}

export interface GcResult {
  executions: number;
  enforcements: number;
  events: number;
  /** False when another process held the lock: this one did nothing. */
  ran: boolean;
}

type Step = 'executions' | 'enforcements' | 'events';

function batch(tx: Sql, step: Step, cutoff: Date, limit: number) {
  const finished = terminalStatuses as readonly string[];
  if (step === 'executions') {
    return tx`delete from execution where id in (
      select id from execution where finished_at < ${cutoff} and status = any(${finished as string[]}::text[])
      order by finished_at limit ${limit} for update skip locked) returning id`;
  }
  if (step === 'enforcements') {
    return tx`delete from enforcement where id in (
      select n.id from enforcement n where n.created_at < ${cutoff}
        and not exists (select 1 from execution x where x.enforcement_id = n.id)
        and not exists (select 1 from debounce_window w where w.rule_id = n.rule_id and w.event_id = n.event_id)
      order by n.created_at limit ${limit} for update skip locked) returning id`;
  }
  return tx`delete from event where id in (
    select v.id from event v where v.created_at < ${cutoff}
      and not exists (select 1 from enforcement n where n.event_id = v.id)
    order by v.created_at limit ${limit} for update skip locked) returning id`;
}

function count(sql: Sql, step: Step, cutoff: Date) {
  const finished = terminalStatuses as readonly string[];
  if (step === 'executions') {
    return sql<{ n: number }[]>`select count(*)::int as n from execution where finished_at < ${cutoff} and status = any(${finished as string[]}::text[])`;
  }
  // What would be left without a child once the older steps ran.
  if (step === 'enforcements') {
    return sql<{ n: number }[]>`select count(*)::int as n from enforcement n where n.created_at < ${cutoff}
      and not exists (select 1 from debounce_window w where w.rule_id = n.rule_id and w.event_id = n.event_id) and not exists (
      select 1 from execution x where x.enforcement_id = n.id and not (x.finished_at < ${cutoff} and x.status = any(${finished as string[]}::text[])))`;
  }
  return sql<{ n: number }[]>`select count(*)::int as n from event v where v.created_at < ${cutoff} and not exists (
    select 1 from enforcement n where n.event_id = v.id and not (n.created_at < ${cutoff} and not exists (
      select 1 from execution x where x.enforcement_id = n.id and not (x.finished_at < ${cutoff} and x.status = any(${finished as string[]}::text[])))))`;
}

/** Deletes (or, dry, counts) what retention lets go; several processes may call it at once. */
export async function collectGarbage(sql: Sql, o: GcOptions): Promise<GcResult> {
  const cutoff = new Date(Date.now() - o.olderThanMs);
  const out: GcResult = { executions: 0, enforcements: 0, events: 0, ran: true };
  for (const step of ['executions', 'enforcements', 'events'] as const) {
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
