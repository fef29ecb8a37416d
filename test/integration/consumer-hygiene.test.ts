// Consumer hygiene: a worker process SIGKILLed with an action running and restarted 20 times takes
// back its predecessor's pending entry at its start (long before any claim timeout), and the group
// lists only the living; what other dead processes left (consumers holding nothing, registrations,
// control streams) is pruned, while a consumer holding an entry is kept.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { pruneGone } from '../../src/registry/consumer-hygiene.ts';
import { corePackDir, disposeAttune, eventually, probe, redisUrl, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const RESTARTS = 20;
/** The child's claim timeout (the default): what would free a killed worker's entry without the takeover. */
const CLAIM_IDLE_MS = 30_000;
let attune: Attune;
let worker: ChildProcess | null = null;

type ConsumerRow = { name: string; pending: number };

async function consumers(key: string, group: string): Promise<ConsumerRow[]> {
  const rows = (await probe(attune).redis.xinfo('CONSUMERS', key, group)) as unknown[][];
  return rows.map((r) => ({ name: String(r[1]), pending: Number(r[3]) }));
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [bin, 'up', '--actors', 'worker', '--runtimes', 'node', '--concurrency', '1'], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable',
      ATTUNE_NAMESPACE: attune.config.namespace,
      ATTUNE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return child;
}

beforeAll(async () => {
  attune = await testAttune('hygiene', { workerLiveMs: 600_000 });
  await attune.packs.load(corePackDir);
  await attune.start({ actors: ['scheduler', 'manager'] });
});
afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await disposeAttune(attune);
});

describe('consumer hygiene', () => {
  it(`${RESTARTS} restarts of a killed worker: each takes back its predecessor's pending entry at once`, { timeout: 600_000 }, async () => {
    const stream = probe(attune).catalog.executionScheduled('node').key;
    const drainedInMs: number[] = [];
    let previous: number | null = null;
    for (let i = 0; i <= RESTARTS; i++) {
      worker = startWorker();
      const pid = worker.pid;
      const [me] = await eventually(`worker ${i} registered`, async () => {
        const ws = (await attune.workers()).filter((w) => w.pid === pid);
        return ws.length === 1 ? ws : null;
      });
      const startedAt = me!.startedAt;
      if (previous !== null) {
        const id = previous;
        // Far below the claim timeout and the liveness window (10 min): only the takeover explains it.
        const e = await eventually(
          `execution ${id} abandoned by the restarted worker`,
          async () => {
            const row = await attune.executions.get(id);
            return row?.status === 'abandoned' ? row : null;
          },
          CLAIM_IDLE_MS - 5_000,
        );
        expect(e.status).toBe('abandoned');
        await eventually('nothing pending in the worker group', async () => (await consumers(stream, 'worker')).every((c) => c.pending === 0));
        drainedInMs.push(Date.now() - startedAt);
        const names = (await consumers(stream, 'worker')).map((c) => c.name);
        expect(names).toEqual([me!.id]);
        expect((await attune.workers()).map((w) => w.id)).toEqual([me!.id]);
      }
      if (i === RESTARTS) break;
      const run = await attune.run('core.sleep', { seconds: 600 });
      await eventually(`execution ${run.id} running`, async () => (await attune.executions.get(run.id))?.status === 'running');
      worker.kill('SIGKILL');
      await eventually('the worker process exited', () => worker!.signalCode === 'SIGKILL');
      previous = run.id;
    }
    console.log(`drained after start (ms): ${drainedInMs.join(', ')}`);
    expect(drainedInMs).toHaveLength(RESTARTS);
  });

  it('prunes consumers holding nothing, silent registrations and control streams; keeps one holding an entry', { timeout: 120_000 }, async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM'); // a graceful stop removes its own registration: only the ghost is silent
      // its drain waits up to worker.drainTimeoutMs (30 s) for the running core.sleep before it stops it
      await eventually('the last worker exited', () => worker!.exitCode !== null || worker!.signalCode !== null, 60_000);
    }
    const p = probe(attune);
    const def = p.catalog.executionScheduled('hygiene');
    await p.redis.xgroup('CREATE', def.key, 'worker', '0', 'MKSTREAM');
    await p.redis.xadd(def.key, '*', 'type', def.type);
    await p.redis.xreadgroup('GROUP', 'worker', 'holder', 'COUNT', 1, 'STREAMS', def.key, '>');
    await p.redis.xgroup('CREATECONSUMER', def.key, 'worker', 'empty-handed');
    const ghost = {
      id: 'ghost-1',
      host: 'gone',
      pid: 1,
      version: '0',
      runtimes: ['hygiene'],
      concurrency: 1,
      running: 0,
      startedAt: 1,
      heartbeatAt: Date.now() - 60_000,
    };
    await p.redis.hset(p.keys.workers, ghost.id, JSON.stringify(ghost));
    await p.redis.xadd(p.catalog.workerControl('ghost-1').key, '1-1', 'type', 'worker.ghost-1.control');
    await p.redis.xadd(p.catalog.workerControl('orphan').key, '1-1', 'type', 'worker.orphan.control');

    await eventually('both consumers idle past 50 ms', async () => {
      const rows = (await p.redis.xinfo('CONSUMERS', def.key, 'worker')) as unknown[][];
      return rows.length === 2 && rows.every((r) => Number(r[5]) > 50);
    });
    const pruned = await pruneGone(p, { liveMs: 10_000, goneAfterMs: 50 });
    expect(pruned.registrations).toEqual(['ghost-1']);
    expect(pruned.controlStreams.sort()).toEqual([p.catalog.workerControl('ghost-1').key, p.catalog.workerControl('orphan').key].sort());
    expect(pruned.consumers).toContain(`${def.key}/worker/empty-handed`);
    expect((await consumers(def.key, 'worker')).map((c) => c.name)).toEqual(['holder']);
    expect(await p.redis.exists(p.catalog.workerControl('orphan').key)).toBe(0);
    expect(await p.redis.hexists(p.keys.workers, 'ghost-1')).toBe(0);
  });
});
