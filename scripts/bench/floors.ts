/**
 * Shell actions against the raw spawn floor, the queue floor (BullMQ, one hop, no-op processor),
 * and scale-out on a slow action: each measured in the same run as what it is compared with.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { redisUrl } from '../../test/support.ts';
import { TRIGGERS } from './bench-pack.ts';
import { withEnv } from './env.ts';
import { finishTimes, pool, progress, waitForFinished } from './measure.ts';
import { waitForWorkers } from './pipeline.ts';

/** `core.echo` through the whole pipeline, executions/s. */
export async function shellPipeline(n: number, concurrency: number): Promise<number> {
  return withEnv('shell', async (env) => {
    await env.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'], runtimes: ['shell'], concurrency });
    await waitForWorkers(env, 1);
    const start = Date.now();
    await env.emitMany(TRIGGERS.echo, n);
    await waitForFinished(env.attune.sql, n, 60_000 + n * 20, 'shell');
    const t = await finishTimes(env.attune.sql);
    return n / (((t.at(-1) ?? start) - start) / 1000);
  });
}

/** The floor: `/bin/sh -c 'echo …'` spawned directly from Node, `concurrency` at a time; spawns/s. */
export async function spawnFloor(n: number, concurrency: number): Promise<number> {
  const start = performance.now();
  await pool(Array.from({ length: n }, (_, i) => i), concurrency, (i) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', `echo bench ${i}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      child.stderr.resume();
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`sh exited with ${code}`))));
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

/** N no-op jobs through BullMQ (one hop: add → process → completed), `concurrency` at a time; jobs/s. */
export async function bullmqFloor(n: number, concurrency: number): Promise<number> {
  const url = new URL(redisUrl);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const prefix = `bench-bullmq-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('bench', { connection, prefix });
  let completed = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const worker = new Worker('bench', async () => ({ ok: true }), { connection, prefix, concurrency });
  worker.on('completed', () => {
    if (++completed === n) resolveDone();
  });
  try {
    await worker.waitUntilReady();
    const start = performance.now();
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'noop', data: { n: i + k } })));
    }
    await done;
    return n / ((performance.now() - start) / 1000);
  } finally {
    await worker.close();
    await queue.close();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

/** `core.sleep` 0.05 s through the pipeline with `workers` worker processes; executions/s. */
export async function sleepWithWorkers(workers: number, n: number, concurrency: number): Promise<number> {
  return withEnv(`scale${workers}`, async (env) => {
    await env.start({ actors: ['enforcer', 'scheduler', 'manager'] });
    await Promise.all(Array.from({ length: workers }, () => env.spawn({ actors: ['worker'], runtimes: ['shell'], concurrency })));
    await waitForWorkers(env, workers);
    const start = Date.now();
    await env.emitMany(TRIGGERS.sleep, n);
    await waitForFinished(env.attune.sql, n, 60_000 + n * 100, `scale-out ×${workers}`);
    const t = await finishTimes(env.attune.sql);
    const rate = n / (((t.at(-1) ?? start) - start) / 1000);
    progress(`scale-out: ${workers} worker(s): ${rate.toFixed(1)} executions/s`);
    return rate;
  });
}
