/**
 * Worker faults with real processes: SIGKILL mid-action (→ `abandoned` with the reason, never run
 * again), a long action of a live worker (never claimed elsewhere), and SIGTERM (finish what fits in
 * the drain deadline, ack it, leave the rest pending).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { crashPackDir, fastOptions, fastTuning, runs, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

let attune: Attune;
const procs: ActorProcess[] = [];
beforeEach(async () => {
  // The reconciler's orphan window (2 × staleMs + …) well past a worker's takeover, which is under test here.
  attune = await testAttune('crashworker', { ...fastTuning, reconciler: { staleMs: 10_000, everyMs: 500 } });
  await attune.packs.load(crashPackDir);
  await attune.start({ actors: ['enforcer', 'scheduler', 'manager'] });
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  await disposeAttune(attune);
});

async function worker(): Promise<ActorProcess> {
  const p = await spawnActors({ actors: 'worker', options: fastOptions(attune) });
  procs.push(p);
  return p;
}
async function status(id: number) {
  const [e] = await probe(attune).sql<
    { status: string; status_reason: string | null; worker_id: string | null }[]
  >`select status, status_reason, worker_id from execution where id = ${id}`;
  return e;
}
async function pendingOfWorkers(): Promise<number> {
  const key = probe(attune).catalog.executionScheduled('shell').key;
  const [count] = (await probe(attune).redis.xpending(key, 'worker')) as [number];
  return Number(count);
}

describe('worker faults', () => {
  it('SIGKILL mid-action: the execution becomes abandoned with the reason and is not run again', async () => {
    const first = await worker();
    const file = await tempFile('midaction');
    await attune.emit('crashtest.go', { file, seconds: 30 });
    await eventually('the action is running', async () => (await runs(file)).length === 1 && (await status(1))?.status === 'running');
    await worker(); // ready before the kill, so it claims well inside the reconciler's orphan window
    await kill(first);
    const c = await settled(attune, { executions: 1, runsFile: file });
    expect(c.byStatus).toEqual({ abandoned: 1 });
    const row = await status(1);
    expect(row?.status_reason).toMatch(/^worker .+ was lost while running this execution; not run again$/);
    expect(row?.worker_id).toBe(/^worker (\S+) was lost/.exec(row?.status_reason ?? '')?.[1]); // the one that ran it, not the one that found it lost
    expect(c.runs).toEqual([1]);
    expect(await pendingOfWorkers()).toBe(0); // the entry acked
  });

  it('a long action of a live worker is never claimed by another worker', async () => {
    await worker();
    await worker();
    const file = await tempFile('long');
    await attune.emit('crashtest.go', { file, seconds: 4 }); // > 2 × claimIdleMs (1.5 s)
    const c = await settled(attune, { executions: 1, runsFile: file });
    expect(c.byStatus).toEqual({ succeeded: 1 });
    expect(c.runs).toEqual([1]);
  });

  it('SIGTERM: running work that fits the drain deadline finishes and is acked; the rest stays pending', async () => {
    const w = await worker(); // drainTimeoutMs 3000
    const short = await tempFile('short');
    const long = await tempFile('long');
    await attune.emit('crashtest.go', { file: short, seconds: 1.5 });
    await attune.emit('crashtest.go', { file: long, seconds: 30 });
    await eventually('both running', async () => (await runs(short)).length === 1 && (await runs(long)).length === 1);
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit, w.output()).toEqual({ code: 0, signal: null });
    expect(w.output()).toContain('stopped');
    const [shortId] = await runs(short);
    const [longId] = await runs(long);
    await eventually('the short one succeeded', async () => (await status(shortId!))?.status === 'succeeded');
    expect((await status(longId!))?.status).toBe('running');
    expect(await pendingOfWorkers()).toBe(1); // the long one: left for others, not acked
    // Another worker takes it over; it was started, so it is abandoned, not silently re-run.
    await worker();
    await eventually('the long one abandoned', async () => (await status(longId!))?.status === 'abandoned');
    const c = await settled(attune, { executions: 2, runsFile: long });
    expect(c.byStatus).toEqual({ succeeded: 1, abandoned: 1 });
    expect(c.runs).toEqual([longId]);
    expect(await runs(short)).toEqual([shortId]);
  });
});
