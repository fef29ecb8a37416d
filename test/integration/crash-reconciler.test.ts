/**
 * The reconciler: the enforcer is killed right after its commit (executions `requested`, nothing
 * published) and then Redis loses the stream data (the streams are deleted, as a Redis without
 * persistence would after a restart). No message is left anywhere; the reconciler finds the stuck
 * executions after `reconciler.staleMs` and re-publishes them; each runs once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { allFinished, crashPackDir, fastOptions, fastTuning, runs, tempFile } from '../fixtures/crash-harness.ts';

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
    const crashing = await spawnActors({ actors: 'enforcer', options, env: { ATTUNE_CRASH_AT: 'enforcer.after-commit' } });
    procs.push(crashing);
    const file = await tempFile('reconcile');
    for (let i = 0; i < 3; i++) await attune.emit('crashtest.go', { file });
    expect((await crashing.exited).signal).toBe('SIGKILL');
    const stuck = await attune.sql<{ status: string }[]>`select status from execution`;
    expect(stuck.length).toBeGreaterThan(0);
    expect(stuck.every((e) => e.status === 'requested')).toBe(true);

    // Redis loses its data: every stream of the namespace is gone, pending entries with them.
    const c = attune.context.catalog;
    await attune.context.redis.del(c.eventCreated.key, c.executionRequested.key);

    procs.push(await spawnActors({ actors: 'enforcer,scheduler,worker,manager', options }));
    const counts = await allFinished(attune, stuck.length);
    expect(counts.executions).toBe(stuck.length);
    expect(counts.byStatus).toEqual({ succeeded: stuck.length });
    const ran = await runs(file);
    expect(ran.length).toBe(stuck.length);
    expect(new Set(ran).size).toBe(ran.length);
  });
});
