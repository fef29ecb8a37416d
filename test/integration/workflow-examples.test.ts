// The example workflows (packs/examples) end to end, each with its defaults, through the real
// pipeline: scheduler → workflow actor → children on workers → manager → workflow actor.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, probe, testAttune } from '../helpers.ts';

const examplesDir = fileURLToPath(new URL('../../packs/examples', import.meta.url));
let attune: Attune;

beforeAll(async () => {
  attune = await testAttune('wfexamples', { worker: { concurrency: 8 } });
  await attune.packs.load(corePackDir);
  await attune.packs.load(examplesDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'] });
});
afterAll(async () => {
  await disposeAttune(attune);
});

async function children(id: number) {
  return probe(attune).sql<{ task_name: string; item_index: number | null; attempt: number; status: string; result: { stdout?: string } | null }[]>`
    select task_name, item_index, attempt, status, result from execution where parent_id = ${id} order by id`;
}

describe('example workflows', () => {
  it('sequence: the second task uses what the first published', async () => {
    const e = await attune.run('examples.sequence', {}, { wait: true, waitTimeoutMs: 60_000 });
    expect(e.status, JSON.stringify(e.result)).toBe('succeeded');
    expect(e.result?.output).toEqual({ greeting: 'hello, world', shouted: 'HELLO, WORLD!' });
    expect((await children(e.id)).map((c) => [c.task_name, c.status])).toEqual([
      ['greet', 'succeeded'],
      ['shout', 'succeeded'],
    ]);
  });

  it('branch: only the branch whose condition holds runs', async () => {
    const big = await attune.run('examples.branch', {}, { wait: true, waitTimeoutMs: 60_000 });
    expect(big.result?.output).toEqual({ verdict: 'big' });
    expect((await children(big.id)).map((c) => c.task_name)).toEqual(['big']);
    const small = await attune.run('examples.branch', { size: 2 }, { wait: true, waitTimeoutMs: 60_000 });
    expect(small.result?.output).toEqual({ verdict: 'small' });
    expect((await children(small.id)).map((c) => c.task_name)).toEqual(['small']);
  });

  it('fork/join: the join task runs once, after both branches', async () => {
    const e = await attune.run('examples.fork_join', {}, { wait: true, waitTimeoutMs: 60_000 });
    expect(e.status, JSON.stringify(e.result)).toBe('succeeded');
    expect(e.result?.output).toEqual({ joined: 'left and right' });
    const tasks = (await children(e.id)).map((c) => c.task_name);
    expect(tasks.sort()).toEqual(['join', 'left', 'right']);
  });

  it('with-items: one child per item, the results in item order', async () => {
    const e = await attune.run('examples.with_items', {}, { wait: true, waitTimeoutMs: 60_000 });
    expect(e.status, JSON.stringify(e.result)).toBe('succeeded');
    expect(e.result?.output).toEqual({ pinged: 12 });
    const kids = await children(e.id);
    expect(kids.map((c) => c.item_index).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([...Array(12).keys()]);
    expect(kids.find((c) => c.item_index === 3)?.result?.stdout).toBe('ping delta (3)\n');
  });

  it('retry: the failed first attempt is followed, a second later (retry.delay), by a second child that succeeds', async () => {
    const e = await attune.run('examples.retry', {}, { wait: true, waitTimeoutMs: 60_000 });
    expect(e.status, JSON.stringify(e.result)).toBe('succeeded');
    expect(e.result?.output).toEqual({ said: 'second try' });
    expect((await children(e.id)).map((c) => [c.task_name, c.attempt, c.status])).toEqual([
      ['flaky', 1, 'failed'],
      ['flaky', 2, 'succeeded'],
    ]);
    const [first, second] = await probe(attune).sql<{ finished_at: Date; started_at: Date }[]>`
      select finished_at, started_at from execution where parent_id = ${e.id} order by attempt`;
    // born `delayed`, started by the delay sweeper once its second had passed
    expect(second!.started_at.getTime() - first!.finished_at.getTime()).toBeGreaterThanOrEqual(900);
  });
});
