// A worker process started with `attune up --actors worker` and an unreachable DATABASE_URL: it
// needs only Redis, runs executions; killed with SIGKILL, it stops heartbeating, is shown dead,
// and gets nothing new: the next execution waits with the reason and fails after the timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, redisUrl, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
let attune: Attune;
let worker: ChildProcess | null = null;
let output = '';

beforeAll(async () => {
  attune = await testAttune('workerproc', { workerLiveMs: 5000, scheduler: { noWorkerTimeoutMs: 1500, sweepEveryMs: 200 } });
  await attune.packs.load(corePackDir);
  await attune.start({ actors: ['scheduler', 'manager'] });
});
afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await disposeAttune(attune);
});

describe('a worker-only process', () => {
  it('starts with no reachable database and runs executions', async () => {
    worker = spawn(process.execPath, [bin, 'up', '--actors', 'worker', '--concurrency', '3'], {
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable', // an explicit URL is used as given: no fallback
        ATTUNE_NAMESPACE: attune.config.namespace,
        ATTUNE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const [w] = await eventually(`the worker process registered (output: ${output})`, async () => {
      const ws = await attune.workers();
      return ws.length > 0 ? ws : null;
    });
    expect(w).toMatchObject({ pid: worker.pid, concurrency: 3, live: true });
    const e = await attune.run('core.echo', { message: 'from a database-less worker' }, { wait: true, waitTimeoutMs: 20_000 });
    expect(e.status).toBe('succeeded');
    expect(e.worker_id).toBe(w!.id);
    expect(e.result?.stdout).toBe('from a database-less worker\n');
    expect(output).not.toMatch(/error/i);
  });

  it('killed (SIGKILL), it is shown dead and gets nothing: the execution waits, then fails', async () => {
    worker!.kill('SIGKILL');
    await eventually('the worker process exited', () => worker!.signalCode === 'SIGKILL');
    const [w] = await eventually(
      'the worker shown dead',
      async () => {
        const ws = await attune.workers();
        return ws.length === 1 && !ws[0]!.live ? ws : null;
      },
      15_000,
    );
    expect(w!.silentMs).toBeGreaterThan(5000);
    const e = await attune.run('core.echo', { message: 'nobody runs this' });
    const waiting = await eventually('the waiting reason', async () => {
      const r = await attune.executions.get(e.id);
      return r?.status_reason ? r : null;
    });
    expect(waiting.status_reason).toBe('waiting for a worker: no live worker (1 registered, none heartbeating within 5000 ms); runtime "shell" needed');
    const failed = await attune.executions.wait(e.id, { timeoutMs: 10_000 });
    expect(failed).toMatchObject({ status: 'failed', started_at: null, worker_id: null });
    expect(failed.status_reason).toBe('no live worker offers runtime "shell" (gave up after 2 s)');
  });
});
