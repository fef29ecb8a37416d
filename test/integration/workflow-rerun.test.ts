// Rerun of a failed workflow from a task: the tasks before it do not run again, the new workflow
// starts there with the context the original ended with, and it is linked by `retry_of`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, probe, testAttune } from '../helpers.ts';
import { crashPackDir, tempFile } from '../fixtures/crash-harness.ts';
import { readFile } from 'node:fs/promises';

const rerunPackDir = fileURLToPath(new URL('../fixtures/rerun-pack', import.meta.url));
let attune: Attune;

beforeAll(async () => {
  attune = await testAttune('wfrerun');
  await attune.packs.load(rerunPackDir);
  await attune.packs.load(crashPackDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'] });
});
afterAll(async () => {
  await disposeAttune(attune);
});

const lines = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('rerun a workflow from a task', () => {
  it('starts at the failed task with the published context; earlier tasks do not run again', async () => {
    const file = await tempFile('wfrerun');
    const gate = `${file}.gate`;
    const first = await attune.run('rerun.flow', { file, gate }, { wait: true, waitTimeoutMs: 60_000 });
    expect(first.status).toBe('failed');
    expect(await lines(file)).toEqual(['a']);

    await writeFile(gate, '');
    const again = await attune.executions.rerun(first.id, { fromTask: 'b', wait: true, waitTimeoutMs: 60_000 });
    expect(again.status, JSON.stringify(again.result)).toBe('succeeded');
    expect(again.retry_of).toBe(first.id);
    expect(again.attempt).toBe(2);
    expect(again.result).toMatchObject({ output: { from_a: 'published by a' } });
    expect(await lines(file)).toEqual(['a', 'b', 'c saw published by a']);
    const kids = await probe(attune).sql<{ task_name: string }[]>`select task_name from execution where parent_id = ${again.id} order by id`;
    expect(kids.map((k) => k.task_name)).toEqual(['b', 'c']);
  });

  it('refuses an unknown task, a running workflow and an execution that is not a workflow', async () => {
    const file = await tempFile('wfrerun2');
    const failed = await attune.run('rerun.flow', { file, gate: `${file}.none` }, { wait: true, waitTimeoutMs: 60_000 });
    await expect(attune.executions.rerun(failed.id, { fromTask: 'nope' })).rejects.toThrow(/has no task "nope" \(tasks: a, b, c\)/);
    const running = await attune.run('crashtest.flow', { file, seconds: 30 });
    await expect(attune.executions.rerun(running.id, { fromTask: 'first' })).rejects.toThrow(
      /is (requested|scheduled|running); rerun from a task once it has ended/,
    );
    await attune.executions.cancel(running.id);
    const kid = await probe(attune).sql<{ id: number }[]>`select id from execution where parent_id = ${failed.id} limit 1`;
    await expect(attune.executions.rerun(kid[0]?.id ?? 0, { fromTask: 'a' })).rejects.toThrow(/is not a workflow/);
  });
});
