// `attune up --actors worker` configured by the environment (ATTUNE_WORKER_*), as in a container;
// the --concurrency and --runtimes flags win over the variables; a misspelt ATTUNE_* variable is
// logged with a did-you-mean and does not stop the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, redisUrl, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
let attune: Attune;
const procs: { child: ChildProcess; output: string }[] = [];

function up(flags: string[], env: Record<string, string>): { child: ChildProcess; output: string } {
  const child = spawn(process.execPath, [bin, 'up', '--actors', 'worker', ...flags], {
    env: { ...process.env, REDIS_URL: redisUrl, ATTUNE_NAMESPACE: attune.config.namespace, ATTUNE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = { child, output: '' };
  child.stdout?.on('data', (c: Buffer) => (p.output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (p.output += c.toString()));
  procs.push(p);
  return p;
}

beforeAll(async () => {
  attune = await testAttune('workerenv');
});
afterAll(async () => {
  for (const { child } of procs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await disposeAttune(attune);
});

describe('a worker configured by the environment', () => {
  it('takes its id, runtimes and concurrency from ATTUNE_WORKER_*, the flags winning over them', async () => {
    const env = {
      ATTUNE_WORKER_CONCURRENCY: '7',
      ATTUNE_WORKER_RUNTIMES: 'python,node',
      ATTUNE_WORKER_CONCURENCY: '99',
    };
    const fromEnv = up([], { ...env, ATTUNE_WORKER_ID: 'env-worker' });
    const flagged = up(['--concurrency', '2', '--runtimes', 'shell'], { ...env, ATTUNE_WORKER_ID: 'flagged-worker' });
    const ws = await eventually(`both workers registered (output: ${fromEnv.output} ${flagged.output})`, async () => {
      const all = await attune.workers();
      return all.length === 2 ? all : null;
    });
    expect(ws.find((w) => w.id === 'env-worker')).toMatchObject({ pid: fromEnv.child.pid, concurrency: 7, runtimes: ['python', 'node'], live: true });
    expect(ws.find((w) => w.id === 'flagged-worker')).toMatchObject({ pid: flagged.child.pid, concurrency: 2, runtimes: ['shell'], live: true });
    expect(fromEnv.output).toContain(
      'environment variable ATTUNE_WORKER_CONCURENCY is not one Attune reads and is ignored (did you mean ATTUNE_WORKER_CONCURRENCY?)',
    );
    for (const p of [fromEnv, flagged]) p.child.kill('SIGTERM');
    // Idle, they exit long before the drain deadline (30 s by default); its timer once kept the process alive that long.
    await eventually('both workers exited', () => procs.every((p) => p.child.exitCode !== null || p.child.signalCode !== null), 15_000);
    expect(procs.map((p) => p.child.exitCode)).toEqual([0, 0]);
  });

  it('a bad variable stops `attune up` with one line naming it', async () => {
    const bad = up([], { ATTUNE_WORKER_CONCURRENCY: 'lots' });
    await eventually('the process exited', () => bad.child.exitCode !== null);
    expect(bad.child.exitCode).toBe(1);
    expect(bad.output).toBe('attune: ATTUNE_WORKER_CONCURRENCY must be a whole number from 1 to 1000, got "lots"\n');
  });
});
