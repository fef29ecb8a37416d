// `attune up`, an action running `sleep`, then SIGINT twice: the second signal kills the action's
// process group (no orphan left with parent 1), says which execution it killed, and exits 130.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, processAlive, redisUrl, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const pidFile = path.join(tmpdir(), `attune-second-signal-${process.pid}.pid`);
let attune: Attune;
let up: ChildProcess | null = null;
let sleeper = 0;

beforeAll(async () => {
  attune = await testAttune('secondsig');
  await attune.packs.load(corePackDir);
});
afterAll(async () => {
  if (up && up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
  if (sleeper > 0 && processAlive(sleeper)) process.kill(sleeper, 'SIGKILL');
  await disposeAttune(attune);
});

describe('a second Ctrl-C', () => {
  it('kills the running actions, reports them, and exits', async () => {
    let output = '';
    up = spawn(process.execPath, [bin, 'up', '--actors', 'scheduler,worker,manager'], {
      env: { ...process.env, REDIS_URL: redisUrl, ATTUNE_NAMESPACE: attune.config.namespace, ATTUNE_DB_SCHEMA: attune.config.schema, ATTUNE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    up.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => up!.once('exit', (code) => resolve(code)));
    await eventually(`attune is up (output: ${output})`, () => output.includes('attune is up'), 30_000);
    const e = await attune.run('core.local', { cmd: `echo $$ > ${pidFile}; sleep 25` });
    sleeper = await eventually('the action running', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || null;
      } catch {
        return null;
      }
    });
    expect(processAlive(sleeper)).toBe(true);
    up.kill('SIGINT');
    await eventually('the first signal seen', () => output.includes('stopping: draining'));
    up.kill('SIGINT');
    expect(await exited).toBe(130);
    await eventually('the action process group killed', () => !processAlive(sleeper));
    expect(output).toContain(`killed 1 running action(s): execution ${e.id} (core.local)`);
  });
});
