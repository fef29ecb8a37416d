/**
 * The reconciler: the enforcer is killed right after its commit (executions `requested`, nothing
 * published) and then Redis loses the stream data (the streams are deleted, as a Redis without
 * persistence would after a restart). No message is left anywhere; the reconciler finds the stuck
 * executions after `reconciler.staleMs` and re-publishes them; each runs once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { crashPackDir, fastOptions, fastTuning, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

let attune: Attune;
const procs: ActorProcess[] = [];
beforeAll(async () => {
  attune = await testAttune('reconciler', fastTuning);
  await attune.packs.load(crashPackDir);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => kill(p)));
  await disposeAttune(attune);
});

describe('reconciler', () => {
  it('re-publishes executions stuck in requested after Redis lost their messages', async () => {
    const options = fastOptions(attune); // reconciler.staleMs 3000
    const file = await tempFile('reconcile');
    // Emitted before the enforcer starts: its first batch holds all three, committed together.
    for (let i = 0; i < 3; i++) await attune.emit('crashtest.go', { file });
    const crashing = await spawnActors({ actors: 'enforcer', options, env: { ATTUNE_CRASH_AT: 'enforcer.after-commit' } });
    procs.push(crashing);
    expect((await crashing.exited).signal).toBe('SIGKILL');
    const stuck = await probe(attune).sql<{ status: string }[]>`select status from execution`;
    expect(stuck.map((e) => e.status)).toEqual(['requested', 'requested', 'requested']);

    // Redis loses its data: every stream of the namespace is gone, pending entries with them.
    const c = probe(attune).catalog;
    await probe(attune).redis.del(c.eventCreated.key, c.executionRequested.key);

    procs.push(await spawnActors({ actors: 'enforcer,scheduler,worker,manager', options }));
    const counts = await settled(attune, { executions: 3, runsFile: file });
    expect(counts).toMatchObject({ events: 3, enforcements: 3, executions: 3, maxExecutionsPerEnforcement: 1, backlog: 0 });
    expect(counts.byStatus).toEqual({ succeeded: 3 });
    expect(counts.runs).toHaveLength(3);
    expect(new Set(counts.runs).size).toBe(3);
  });

  it('marks `abandoned` an execution left running by a SIGKILLed worker that no other worker takes over', async () => {
    await Promise.all(procs.splice(0).map((p) => kill(p))); // only this test's processes from here on
    const options = fastOptions(attune);
    procs.push(await spawnActors({ actors: 'enforcer,scheduler,manager', options }));
    const worker = await spawnActors({ actors: 'worker', options });
    procs.push(worker);
    const file = await tempFile('orphan');
    const { trace } = await attune.emit('crashtest.go', { file, seconds: 5 });
    const running = await eventually('the long action running', async () => {
      const [row] = await probe(attune).sql<{ id: number; status: string }[]>`select id, status from execution where trace = ${trace}`;
      return row?.status === 'running' ? row : null;
    });
    await kill(worker); // SIGKILL mid-action; no other worker exists to claim its entry
    const done = await eventually(
      'the reconciler abandons it',
      async () => {
        const row = await attune.executions.get(running.id);
        return row?.status === 'abandoned' ? row : null;
      },
      40_000, // orphanMs here: 2 × 3 s + 1.5 s + 1 s after the running report, plus a reconciler pass
    );
    expect(done.status_reason).toMatch(/^worker .+ stopped heartbeating while running this execution; not run again$/);
    expect(done.finished_at).not.toBeNull();
    // A worker arriving late takes the dead one's entry over: it must not run it again either.
    procs.push(await spawnActors({ actors: 'worker', options }));
    const after = await settled(attune, { executions: 4, runsFile: file });
    expect(after.byStatus).toEqual({ succeeded: 3, abandoned: 1 }); // with the first test's three
    expect(after.runs).toEqual([running.id]); // it ran once and is not run again
  });
});
