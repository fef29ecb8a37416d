// The execution store is the one writer of execution rows: each transition moves only from the
// states its `from` allows — the lifecycle table's, or a deliberately narrower subset of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyReports,
  cancelBeforeStart,
  failWaiting,
  insertRequested,
  markAbandoned,
  markCanceling,
  markScheduled,
  narrowedFrom,
} from '../../src/db/execution-store.ts';
import { getExecution } from '../../src/db/executions-repo.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createSql, type Sql } from '../../src/db/sql.ts';
import { allowedFrom, executionStatuses, type ExecutionStatus } from '../../src/domain/execution-lifecycle.ts';
import { foldReports } from '../../src/domain/report-folding.ts';
import { databaseUrl, dropIsolation, isolation } from '../support.ts';

const iso = isolation('execstore');
let sql: Sql;

/** A fresh execution put in `status` by hand: the test fixture, not a writer under test. */
async function executionIn(status: ExecutionStatus): Promise<number> {
  const { row } = await insertRequested(sql, { actionRef: 't.a', parameters: {}, secrets: null, timeoutMs: null, trace: 'tr', attempt: 1, retryOf: null });
  await sql`update execution set status = ${status}, worker_id = 'w-gone' where id = ${row.id}`;
  return row.id;
}

async function statusOf(id: number): Promise<ExecutionStatus | undefined> {
  return (await getExecution(sql, id))?.status;
}

/** Puts one execution in each state, applies `write` to all of them, and says which moved to `to`. */
async function movedFrom(to: ExecutionStatus, write: (ids: number[]) => Promise<unknown>): Promise<ExecutionStatus[]> {
  const ids = await Promise.all(executionStatuses.map((s) => executionIn(s)));
  await write(ids);
  const after = await Promise.all(ids.map(statusOf));
  return executionStatuses.filter((s, i) => s !== to && after[i] === to);
}

beforeAll(async () => {
  sql = createSql(databaseUrl, iso.schema, { max: 2 });
  await migrate(sql, iso.schema);
  await sql`insert into pack (ref) values ('t')`;
  await sql`insert into action (ref, pack, name, runtime) values ('t.a', 't', 'a', 'shell')`;
});
afterAll(async () => {
  await sql.end({ timeout: 2 });
  await dropIsolation(iso.namespace, iso.schema);
});

describe('execution store: narrower than the table, on purpose', () => {
  it('every narrowed set is a subset of the lifecycle table', () => {
    const targets: Record<keyof typeof narrowedFrom, ExecutionStatus> = {
      scheduled: 'scheduled',
      failedWaiting: 'failed',
      abandoned: 'abandoned',
      canceledBeforeStart: 'canceled',
      canceling: 'canceling',
    };
    for (const [name, from] of Object.entries(narrowedFrom)) {
      const allowed = allowedFrom(targets[name as keyof typeof narrowedFrom]);
      expect(
        from.every((s) => allowed.includes(s)),
        name,
      ).toBe(true);
      expect(from.length, `${name} is narrower than the table`).toBeLessThan(allowed.length);
    }
  });

  it('the scheduler schedules only what it read as requested (not delayed)', async () => {
    expect(await movedFrom('scheduled', (ids) => sql.begin((tx) => markScheduled(tx, ids)))).toEqual(['requested']);
  });

  it('"no live worker" fails only executions still requested (not scheduled, running, …)', async () => {
    expect(await movedFrom('failed', (ids) => failWaiting(sql, ids, 60))).toEqual(['requested']);
    const id = await executionIn('requested');
    await failWaiting(sql, [id], 60);
    expect((await getExecution(sql, id))?.status_reason).toBe('no live worker offers runtime "shell" (gave up after 60 s)');
  });

  it('only a running or canceling execution is abandoned (a scheduled one has not started)', async () => {
    expect((await movedFrom('abandoned', (ids) => markAbandoned(sql, ids))).sort()).toEqual(['canceling', 'running']);
  });

  it('cancel before start: requested, scheduled and delayed become canceled, a running one does not', async () => {
    const moved = await movedFrom('canceled', (ids) => Promise.all(ids.map((id) => cancelBeforeStart(sql, id))));
    expect(moved.sort()).toEqual(['delayed', 'requested', 'scheduled']);
  });

  it('canceling: only from running (a queued one is canceled outright, a canceling one stays as it is)', async () => {
    expect(await movedFrom('canceling', (ids) => Promise.all(ids.map((id) => markCanceling(sql, id))))).toEqual(['running']);
  });
});

describe('execution store: worker reports follow the table', () => {
  it('a report moves an execution from exactly the states the table allows', async () => {
    for (const to of ['running', 'succeeded', 'abandoned'] as const) {
      const moved = await movedFrom(to, (ids) =>
        sql.begin((tx) => applyReports(tx, foldReports(ids.map((id) => ({ executionId: id, status: to, workerId: 'w1', at: new Date().toISOString() }))))),
      );
      expect(moved.sort(), to).toEqual(allowedFrom(to).sort());
    }
  });

  it('a late running after succeeded changes nothing', async () => {
    const id = await executionIn('scheduled');
    const at = new Date().toISOString();
    await sql.begin((tx) => applyReports(tx, foldReports([{ executionId: id, status: 'succeeded', workerId: 'w1', at, startedAt: at }])));
    const applied = await sql.begin((tx) => applyReports(tx, foldReports([{ executionId: id, status: 'running', workerId: 'w1', at }])));
    expect(applied).toEqual([]);
    expect(await statusOf(id)).toBe('succeeded');
  });
});
