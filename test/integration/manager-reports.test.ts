/**
 * Late and out-of-order status reports through the real manager (a consumer on `execution.status`):
 * a `running` or `abandoned` arriving after `succeeded` must not overwrite it, nor its result or
 * finish time; a first terminal report wins over a second one, in the same batch or a later one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequested } from '../../src/db/execution-store.ts';
import type { Attune } from '../../src/index.ts';
import type { ExecutionStatusReport } from '../../src/streams/messages.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { backlog } from '../fixtures/settle.ts';

let attune: Attune;
const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

interface Row {
  status: string;
  status_reason: string | null;
  result: unknown;
  worker_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A `scheduled` execution on worker w1 (put there by hand: the fixture, not a writer under test). */
async function scheduled(): Promise<number> {
  const sql = probe(attune).sql;
  const { row: e } = await insertRequested(sql, { actionRef: 't.a', parameters: {}, secrets: null, timeoutMs: null, trace: 'tr', attempt: 1, retryOf: null });
  await sql`update execution set status = 'scheduled', worker_id = 'w1' where id = ${e.id}`;
  return e.id;
}

async function row(id: number): Promise<Row> {
  const [r] = await probe(attune).sql<Row[]>`select status, status_reason, result, worker_id, started_at, finished_at from execution where id = ${id}`;
  if (!r) throw new Error(`no execution ${id}`);
  return r;
}

/** Publishes the reports in one XADD round trip and waits until the manager has acked every one. */
async function report(...reports: (Omit<ExecutionStatusReport, 'workerId' | 'at'> & { workerId?: string; at?: string })[]): Promise<void> {
  const p = probe(attune);
  await p.publisher.publishMany(reports.map((r) => ({ def: p.catalog.executionStatus, payload: { workerId: 'w1', at: at(), ...r } })));
  await eventually('the manager acked every report', async () => (await backlog(attune)).total === 0);
}

beforeAll(async () => {
  attune = await testAttune('mgrreports');
  const sql = probe(attune).sql;
  await sql`insert into pack (ref) values ('t')`;
  await sql`insert into action (ref, pack, name, runtime) values ('t.a', 't', 'a', 'shell')`;
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('manager: late and out-of-order reports', () => {
  it('a late running, then a late abandoned, after succeeded change nothing (each in its own batch)', async () => {
    await attune.start({ actors: ['manager'] });
    const id = await scheduled();
    await report({ executionId: id, status: 'running', startedAt: at() });
    expect((await row(id)).status).toBe('running');
    await report({ executionId: id, status: 'succeeded', result: { ok: 1 }, exitCode: 0, stdout: 'out' });
    const done = await row(id);
    expect(done).toMatchObject({ status: 'succeeded', result: { ok: 1 }, status_reason: null });
    expect(done.finished_at).not.toBeNull();

    await report({ executionId: id, status: 'running', workerId: 'w2', startedAt: at(5000) });
    expect(await row(id)).toEqual(done);
    await report({ executionId: id, status: 'abandoned', workerId: 'w2', reason: 'worker w1 was lost while running this execution; not run again' });
    expect(await row(id)).toEqual(done);
  });

  it('succeeded overtaking running: applied from scheduled; the running that arrives after it changes nothing', async () => {
    const id = await scheduled();
    const startedAt = at(-1000);
    await report({ executionId: id, status: 'succeeded', result: { n: 2 }, startedAt });
    const done = await row(id);
    expect(done).toMatchObject({ status: 'succeeded', result: { n: 2 } });
    expect(done.started_at?.toISOString()).toBe(startedAt);
    await report({ executionId: id, status: 'running', startedAt: at() });
    expect(await row(id)).toEqual(done);
  });

  it('the first final report wins over a later one (failed, then succeeded)', async () => {
    const id = await scheduled();
    await report({ executionId: id, status: 'failed', result: { error: 'boom' }, exitCode: 1 });
    const failed = await row(id);
    expect(failed).toMatchObject({ status: 'failed', result: { error: 'boom' } });
    await report({ executionId: id, status: 'succeeded', result: { ok: 1 }, exitCode: 0 });
    expect(await row(id)).toEqual(failed);
  });

  it('in one round trip: succeeded, then running and abandoned: stays succeeded', async () => {
    const id = await scheduled();
    await report(
      { executionId: id, status: 'succeeded', result: { ok: 3 } },
      { executionId: id, status: 'running', startedAt: at() },
      { executionId: id, status: 'abandoned', reason: 'late' },
    );
    expect(await row(id)).toMatchObject({ status: 'succeeded', result: { ok: 3 }, status_reason: null });
  });

  it('abandoned first, then a late succeeded of the lost worker: stays abandoned with its reason', async () => {
    const id = await scheduled();
    await report({ executionId: id, status: 'running', startedAt: at() });
    await report({ executionId: id, status: 'abandoned', workerId: 'w2', reason: 'worker w1 was lost' });
    const abandoned = await row(id);
    expect(abandoned).toMatchObject({ status: 'abandoned', status_reason: 'worker w1 was lost' });
    await report({ executionId: id, status: 'succeeded', result: { ok: 4 } });
    expect(await row(id)).toEqual(abandoned);
  });

  it('abandoned, reported by the worker that found the lost one: worker_id still names the worker that ran it', async () => {
    const id = await scheduled();
    await report({ executionId: id, status: 'running', startedAt: at() });
    expect((await row(id)).worker_id).toBe('w1');
    await report({ executionId: id, status: 'abandoned', workerId: 'w2', reason: 'worker w1 was lost while running this execution; not run again' });
    expect(await row(id)).toMatchObject({ status: 'abandoned', worker_id: 'w1' });
  });
});
