// Two worker processes in one namespace, only one of which registered the in-process handler of
// `nclib.add` (a node action without entry point): every execution goes to that one; with it gone,
// the next execution waits with the reason instead of failing on the other worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, redisUrl, testAttune } from '../helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const handlerWorker = fileURLToPath(new URL('../fixtures/handler-worker.ts', import.meta.url));
const nclib = fileURLToPath(new URL('../fixtures/packs/nclib', import.meta.url));
let attune: Attune;
const children: ChildProcess[] = [];
let output = '';

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  children.push(child);
  return child;
}

beforeAll(async () => {
  attune = await testAttune('handlerroute', { scheduler: { noWorkerTimeoutMs: 60_000, sweepEveryMs: 200 } });
  await attune.packs.load(nclib);
  await attune.start({ actors: ['scheduler', 'manager'] });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await disposeAttune(attune);
});

describe('in-process handlers with two workers', { timeout: 150_000 }, () => {
  let waitingId = 0;

  it('with no worker holding the handler, waits with the reason instead of failing on another worker', async () => {
    const namespace = attune.config.namespace;
    start([bin, 'up', '--actors', 'worker'], { ATTUNE_NAMESPACE: namespace, REDIS_URL: redisUrl, ATTUNE_LOG_LEVEL: 'warn' });
    await eventually(`a live worker (output: ${output})`, async () => (await attune.workers()).some((w) => w.live), 60_000);
    const e = await attune.run('nclib.add', { a: 1, b: 1 });
    waitingId = e.id;
    const waiting = await eventually('the waiting reason', async () => {
      const r = await attune.executions.get(e.id);
      return r?.status_reason ? r : null;
    });
    expect(waiting.status).toBe('requested');
    expect(waiting.status_reason).toMatch(/^waiting for a worker: no live worker has an in-process handler for "nclib.add"/);
  });

  it('runs every execution on the worker that registered the handler, the waiting one too', async () => {
    const withHandler = start(['--import', 'tsx', handlerWorker], {
      ATTUNE_TEST_OPTIONS: JSON.stringify({ namespace: attune.config.namespace, redis: redisUrl }),
    });
    const workers = await eventually(
      `two live workers (output: ${output})`,
      async () => {
        const ws = (await attune.workers()).filter((w) => w.live);
        return ws.length === 2 ? ws : null;
      },
      60_000,
    ); // a tsx process starting on a loaded machine
    const owner = workers.find((w) => w.pid === withHandler.pid);
    expect(owner?.handlers).toContain('nclib.add');
    expect(workers.find((w) => w.pid !== withHandler.pid)?.handlers).not.toContain('nclib.add');
    const waited = await attune.executions.wait(waitingId, { timeoutMs: 30_000 });
    expect(waited).toMatchObject({ status: 'succeeded', worker_id: owner!.id, result: { sum: 2 } });
    const runs = await Promise.all([1, 2, 3, 4, 5, 6].map((a) => attune.run('nclib.add', { a, b: 1 }, { wait: true, waitTimeoutMs: 30_000 })));
    for (const [i, e] of runs.entries()) {
      expect(e.status_reason).toBeNull();
      expect(e).toMatchObject({ status: 'succeeded', worker_id: owner!.id });
      expect(e.result).toMatchObject({ sum: i + 2 });
    }
  });
});
