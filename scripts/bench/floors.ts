/**
 * Shell actions against the raw spawn floor, the queue floor (BullMQ, one hop, no-op processor),
 * and scale-out on a slow action: each measured in the same run as what it is compared with.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { deleteKeys, redisUrl } from '../../test/support.ts';
import { TRIGGERS } from './bench-pack.ts';
import { withEnv } from './env.ts';
import { pool, progress, rateSince, waitForFinished } from './measure.ts';
import { waitForWorkers } from './pipeline.ts';

/** `core.echo` through the whole pipeline, executions/s. */
export async function shellPipeline(n: number, concurrency: number): Promise<number> {
  return withEnv('shell', async (env) => {
    await env.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'], runtimes: ['shell'], concurrency });
    await waitForWorkers(env, 1);
    const start = Date.now();
    await env.emitMany(TRIGGERS.echo, n);
    await waitForFinished(env.probe.sql, n, 60_000 + n * 20, 'shell');
    return rateSince(env.probe.sql, n, start);
  });
}

/** The floor: `/bin/sh -c 'echo …'` spawned directly from Node, `concurrency` at a time; spawns/s. */
export async function spawnFloor(n: number, concurrency: number): Promise<number> {
  const start = performance.now();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    (i) =>
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
    await deleteKeys(`${prefix}:`);
  }
}

/**
 * `core.sleep` 0.05 s (in-process, runtime node) through the pipeline with 1, then 2, then 4 worker processes (each phase adds
 * workers to the same group, as scaling out does); executions/s of each phase.
 */
export async function sleepScaleOut(n: number, concurrency: number): Promise<{ w1: number; w2: number; w4: number }> {
  return withEnv('scale', async (env) => {
    await env.start({ actors: ['enforcer', 'scheduler', 'manager'] });
    const rates: number[] = [];
    let workers = 0;
    for (const target of [1, 2, 4]) {
      await Promise.all(Array.from({ length: target - workers }, () => env.spawn({ actors: ['worker'], runtimes: ['node'], concurrency })));
      workers = target;
      await waitForWorkers(env, workers);
      const start = Date.now();
      await env.emitMany(TRIGGERS.sleep, n, rates.length * n);
      await waitForFinished(env.probe.sql, (rates.length + 1) * n, 60_000 + n * 100, `scale-out ×${workers}`);
      rates.push(await rateSince(env.probe.sql, n, start));
      progress(`scale-out: ${workers} worker(s): ${rates.at(-1)?.toFixed(1)} executions/s`);
    }
    const [w1 = Number.NaN, w2 = Number.NaN, w4 = Number.NaN] = rates;
    return { w1, w2, w4 };
  });
}
