/**
 * Service faults with real restarts of private instances (never the shared services): Redis (AOF
 * on) restarted and PostgreSQL restarted during a run. The actors run in a child process that must
 * not exit; they back off, reconnect and continue; every event gives exactly one succeeded run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttune, type Attune } from '../../src/index.ts';
import { eventually } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { allFinished, crashPackDir, runs, tempFile } from '../fixtures/crash-harness.ts';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../../scripts/chaos/services.ts';

let redis: PrivateRedis;
let pg: PrivatePostgres;
let attune: Attune;
let actors: ActorProcess;

beforeAll(async () => {
  [redis, pg] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
  const options = {
    redis: redis.url,
    database: pg.url,
    namespace: 'restart',
    schema: 'restart',
    consumer: { claimIdleMs: 3000, claimEveryMs: 300, blockMs: 500 },
    workerLiveMs: 2000,
    worker: { heartbeatMs: 200 },
    reconciler: { staleMs: 5000, everyMs: 500 },
  };
  attune = await createAttune({ ...options, logLevel: 'silent' });
  await attune.migrate();
  await attune.packs.load(crashPackDir);
  actors = await spawnActors({ actors: 'enforcer,scheduler,worker,manager', options });
}, 120_000);
afterAll(async () => {
  await kill(actors);
  await attune.stop();
  await Promise.all([redis.stop(), pg.stop()]);
});

/** Emits until it lands (the service may be down right now). */
async function emitSurely(file: string, i: number): Promise<void> {
  await eventually(
    `event ${i} published`,
    async () => {
      await attune.emit('crashtest.go', { file, seconds: 0 }, { dedupeKey: `restart:${i}` });
      return true;
    },
    60_000,
    200,
  );
}

describe('service restarts during a run', () => {
  it('Redis restarted, then PostgreSQL restarted: nothing lost, nothing doubled, no process exits', async () => {
    const file = await tempFile('restart');
    let n = 0;
    for (; n < 20; n++) await emitSurely(file, n);
    await redis.restart(1500);
    for (; n < 40; n++) await emitSurely(file, n);
    await pg.restart(1500);
    for (; n < 60; n++) await emitSurely(file, n);

    const c = await allFinished(attune, n, 90_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- actors' log (last 6000 chars):\n${actors.output().slice(-6000)}`);
    });
    expect(actors.child.exitCode, actors.output()).toBeNull();
    expect(actors.child.signalCode).toBeNull();
    expect(c.events).toBe(n);
    expect(c.enforcements).toBe(n);
    expect(c.executions).toBe(n);
    expect(c.maxExecutionsPerEnforcement).toBe(1);
    expect(c.byStatus).toEqual({ succeeded: n });
    const ran = await runs(file);
    expect(ran.length).toBe(n);
    expect(new Set(ran).size).toBe(n);
    const dead = (await attune.streams()).find((s) => s.type === 'dead');
    expect(dead?.length ?? 0).toBe(0);
  }, 180_000); // the inner deadlines (60 s per emit, 90 s to finish) decide, with counts in the message
});
