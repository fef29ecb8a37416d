/** Statistics and waiting, for the bench scenarios. */
import type { Sql } from '../../src/db/sql.ts';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Progress on stderr, so that `--json` keeps stdout clean. */
const t0 = Date.now();
export function progress(text: string): void {
  process.stderr.write(`bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s: ${text}\n`);
}

/**
 * Polls until `count` executions (of `actionRef`, or all) are in a final state; fails with a clear
 * message if they are not after `timeoutMs`, or if any did not succeed.
 */
export async function waitForFinished(sql: Sql, count: number, timeoutMs: number, label: string, actionRef?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastShown = 0;
  for (;;) {
    const [row] = await sql<{ done: number; failed: number }[]>`
      select count(*) filter (where finished_at is not null)::int as done,
             count(*) filter (where finished_at is not null and status <> 'succeeded')::int as failed
      from execution where ${actionRef ? sql`action_ref = ${actionRef}` : sql`true`}`;
    const done = row?.done ?? 0;
    if ((row?.failed ?? 0) > 0) {
      const [bad] = await sql<{ status: string; status_reason: string | null }[]>`
        select status, status_reason from execution where finished_at is not null and status <> 'succeeded' limit 1`;
      throw new Error(`${label}: ${row?.failed} executions did not succeed (e.g. ${bad?.status}: ${bad?.status_reason})`);
    }
    if (done >= count) return;
    if (Date.now() > deadline) throw new Error(`${label}: only ${done} of ${count} executions finished after ${timeoutMs} ms`);
    if (Date.now() - lastShown > 2000) {
      progress(`${label}: ${done}/${count} finished`);
      lastShown = Date.now();
    }
    await sleep(50);
  }
}

/**
 * When each finished execution's row was written (`updated_at` of the final update, the durable
 * point), in ms since the epoch, ascending.
 */
export async function rowTimes(sql: Sql): Promise<number[]> {
  const rows = await sql<{ t: number }[]>`
    select (extract(epoch from updated_at) * 1000)::float8 as t from execution where finished_at is not null order by 1`;
  return rows.map((r) => r.t);
}

/** Executions per second from `start` to the last row written. */
export async function rateSince(sql: Sql, count: number, start: number): Promise<number> {
  const t = await rowTimes(sql);
  return count / (((t.at(-1) ?? start) - start) / 1000);
}

/** Runs `fn` for `items` with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}
