// The worker registry and limits: per-worker concurrency is never exceeded; an execution whose
// runtime no live worker offers waits with a visible reason and fails after the configured time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune, ExecutionRow } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

let attune: Attune;

/** The most executions whose [started_at, finished_at] intervals overlap at one instant. */
function maxOverlap(rows: ExecutionRow[]): number {
  const points = rows.flatMap((r) => [
    { t: r.started_at!.getTime(), d: 1 },
    { t: r.finished_at!.getTime(), d: -1 },
  ]);
  points.sort((a, b) => a.t - b.t || a.d - b.d); // an end before a start at the same instant
  let now = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (now += p.d));
  return max;
}

beforeAll(async () => {
  attune = await testAttune('registry', { scheduler: { noWorkerTimeoutMs: 1500, sweepEveryMs: 200 } });
  await attune.packs.load(corePackDir);
  await attune.start({ actors: ['scheduler', 'manager'] });
  await attune.start({ actors: ['worker'], runtimes: ['shell'], concurrency: 2 });
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('worker registry and limits', () => {
  it('lists the worker with its runtimes, liveness and load', async () => {
    const [w] = await eventually('the worker registered', async () => {
      const ws = await attune.workers();
      return ws.length === 1 ? ws : null;
    });
    expect(w).toMatchObject({ runtimes: ['shell'], concurrency: 2, running: 0, live: true, version: '0.1.0' });
  });

  it('never runs more than its concurrency at once', async () => {
    const loads: number[] = [];
    const sampling = setInterval(() => {
      void attune.workers().then(
        (ws) => loads.push(...ws.map((w) => w.running)),
        () => {},
      );
    }, 50);
    const rows = await Promise.all(Array.from({ length: 6 }, () => attune.run('core.local', { cmd: 'sleep 0.4' }, { wait: true })));
    clearInterval(sampling);
    expect(rows.map((r) => r.status)).toEqual(Array(6).fill('succeeded'));
    expect(maxOverlap(rows)).toBe(2); // two at a time, never three
    expect(loads.length, 'samples of the registry taken').toBeGreaterThan(0); // else the max below is -Infinity
    expect(Math.max(...loads)).toBeLessThanOrEqual(2);
  });

  it('an execution whose runtime no live worker offers waits with the reason, then fails', async () => {
    // A worker that stopped heartbeating a minute ago offers python: it is dead and gets nothing.
    const stale = {
      id: 'ghost-1',
      host: 'gone',
      pid: 1,
      version: '0.1.0',
      runtimes: ['python'],
      concurrency: 4,
      running: 0,
      startedAt: Date.now() - 120_000,
      heartbeatAt: Date.now() - 60_000,
    };
    await probe(attune).redis.hset(probe(attune).keys.workers, stale.id, JSON.stringify(stale));
    expect((await attune.workers()).find((w) => w.id === 'ghost-1')).toMatchObject({ live: false });
    await probe(attune).sql`insert into action (ref, pack, name, runtime, command) values ('core.py_probe', 'core', 'py_probe', 'python', null)`;
    const e = await attune.run('core.py_probe', {});
    const waiting = await eventually('the waiting reason', async () => {
      const r = await attune.executions.get(e.id);
      return r?.status === 'requested' && r.status_reason ? r : null;
    });
    expect(waiting.status_reason).toBe('waiting for a worker: no live worker offers runtime "python" (live workers offer: shell)');
    const failed = await attune.executions.wait(e.id, { timeoutMs: 10_000 });
    expect(failed.status).toBe('failed');
    expect(failed.status_reason).toBe('no live worker offers runtime "python" (gave up after 2 s)');
    expect(failed.started_at).toBeNull();
  });
});
