// Control of running workflows: cancel (running children canceled first, then the workflow),
// pause/resume (nothing new starts while paused), and a with-items over 1,000 items (concurrency 50).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { crashPackDir, tempFile } from '../fixtures/crash-harness.ts';

let attune: Attune;

beforeAll(async () => {
  attune = await testAttune('wfcontrol', { worker: { concurrency: 50 } });
  await attune.packs.load(corePackDir);
  await attune.packs.load(crashPackDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'] });
});
afterAll(async () => {
  await disposeAttune(attune);
});

const kids = (id: number) =>
  probe(attune).sql<{ id: number; task_name: string; status: string }[]>`select id, task_name, status from execution where parent_id = ${id} order by id`;

describe('workflow control', () => {
  it('cancel: the running task is canceled, then the workflow; nothing after it starts', async () => {
    const file = await tempFile('wfcancel');
    const wf = await attune.run('crashtest.flow', { file, seconds: 60 });
    await eventually('the first task running', async () => (await kids(wf.id)).some((k) => k.status === 'running'), 60_000);
    await attune.executions.cancel(wf.id);
    const done = await attune.executions.wait(wf.id, { timeoutMs: 60_000 });
    expect(done.status).toBe('canceled');
    expect((await kids(wf.id)).map((k) => [k.task_name, k.status])).toEqual([['first', 'canceled']]);
  });

  it('pause holds the next tasks until resume', async () => {
    const file = await tempFile('wfpause');
    const wf = await attune.run('crashtest.flow', { file, seconds: 1 });
    await eventually('the workflow running', async () => (await attune.executions.get(wf.id))?.status === 'running', 60_000);
    await attune.workflows.pause(wf.id);
    const sql = probe(attune).sql;
    await eventually(
      'the pause applied',
      async () => (await sql<{ state: string }[]>`select state from workflow_run where execution_id = ${wf.id}`)[0]?.state === 'paused',
      60_000,
    );
    await eventually('the first task applied', async () => (await sql`select 1 from workflow_applied where workflow_id = ${wf.id}`).length === 1, 60_000);
    expect((await kids(wf.id)).map((k) => k.task_name)).toEqual(['first']); // nothing new while paused
    await attune.workflows.resume(wf.id);
    const done = await attune.executions.wait(wf.id, { timeoutMs: 60_000 });
    expect(done.status).toBe('succeeded');
    expect(await kids(wf.id)).toHaveLength(6);
  });

  it('a with-items over 1,000 items, 50 at a time, completes with every item run once', async () => {
    const wf = await attune.run('crashtest.many', {}, { wait: true, waitTimeoutMs: 600_000 });
    expect(wf.status, JSON.stringify(wf.result)).toBe('succeeded');
    expect(wf.result?.output).toEqual({ n: 1000 });
    const [c] = await probe(attune).sql<{ n: number; items: number; ok: number }[]>`
      select count(*)::int as n, count(distinct item_index)::int as items, count(*) filter (where status = 'succeeded')::int as ok
      from execution where parent_id = ${wf.id}`;
    expect(c).toEqual({ n: 1000, items: 1000, ok: 1000 });
  });
});
