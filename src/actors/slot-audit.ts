/**
 * Concurrency slots never leak: a slot is freed when its execution reaches a final state (the
 * manager, `cancel()`), and this audit (run by each manager's delay sweeper every
 * `policies.auditEveryMs`) catches what a crash between the commit and the release left behind:
 * a holder or waiter whose execution ended (or does not exist) is removed, and the first in line
 * are woken while slots are free, as is a holder still `delayed` (a hand-over that raced its
 * scheduler's write of `delayed`). A worker SIGKILLed mid-run holds its slot until its execution is
 * `abandoned` (another worker's claim, or the reconciler), then it is freed like any other.
 */
import type { AttuneContext } from '../context.ts';
import type { Sql } from '../db/sql.ts';
import { isTerminal, type ExecutionStatus } from '../domain/execution-lifecycle.ts';
import type { ActionPolicy } from '../domain/policy-schema.ts';
import type { ConcurrencySlots } from '../limits/concurrency-slots.ts';
import { wakeDelayed } from './delay-sweeper.ts';

/** Frees the slots of executions that just ended and wakes who is first in line. */
export async function releaseSlots(
  ctx: AttuneContext,
  sql: Sql,
  slots: ConcurrencySlots,
  ended: readonly { id: number; policy: ActionPolicy | null }[],
): Promise<void> {
  const limited = ended.filter((e) => e.policy?.concurrency);
  if (limited.length === 0) return;
  const next = (await Promise.all(limited.map((e) => slots.release(e.id, e.policy?.concurrency?.limit ?? 0)))).flat();
  if (next.length > 0) await wakeDelayed(ctx, sql, { ids: next });
}

export async function auditSlots(ctx: AttuneContext, sql: Sql, slots: ConcurrencySlots): Promise<{ freed: number; woken: number }> {
  const scopes = await slots.scopes();
  if (scopes.length === 0) return { freed: 0, woken: 0 };
  const ids = scopes.flatMap((s) => [...s.holders, ...s.line]);
  const rows = await sql<{ id: number; status: ExecutionStatus; policy: ActionPolicy | null }[]>`
    select id, status, policy from execution where id = any(${ids}::bigint[])`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const gone = (id: number) => {
    const r = byId.get(id);
    return !r || isTerminal(r.status);
  };
  let freed = 0;
  const wake: number[] = [];
  for (const s of scopes) {
    for (const id of [...s.holders, ...s.line].filter(gone)) {
      await slots.releaseIn(s.scope, id);
      freed++;
    }
    const holders = s.holders.filter((id) => !gone(id));
    const line = s.line.filter((id) => !gone(id));
    const limit = line.map((id) => byId.get(id)?.policy?.concurrency?.limit).find((l) => l !== undefined) ?? 0;
    const delayed = (id: number) => byId.get(id)?.status === 'delayed';
    // A slot handed over before its scheduler wrote `delayed` (the wake found nothing to move): woken now.
    wake.push(...holders.filter(delayed));
    wake.push(...line.slice(0, Math.max(0, limit - holders.length)).filter(delayed));
  }
  const woken = wake.length > 0 ? await wakeDelayed(ctx, sql, { ids: wake }) : [];
  return { freed, woken: woken.length };
}
