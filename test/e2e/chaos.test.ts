/**
 * A small chaos run in the suite: the real script, with actor processes SIGKILLed and Redis and
 * PostgreSQL (private instances) restarted and retention sweeping 500 back-dated executions; it exits
 * non-zero on any missing or duplicated row, or an old row left.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run chaos (small)', () => {
  it('200 events and 10 workflows through kills and service restarts, retention sweeping: nothing missing, nothing doubled, every old row gone', async () => {
    const args = ['--events', '200', '--workflows', '10', '--seconds', '15', '--kill-every', '2', '--retention', '500'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/events stored\s+210\n/);
    expect(out).toMatch(/workflows\s+10\n/);
    expect(out).toMatch(/workflow tasks\s+[1-9]/);
    expect(out).toMatch(/duplicates\s+0 \(events 0, enforcements 0, executions 0, runs 0, tasks 0\)\n/);
    expect(out).toMatch(/missing\s+0 \(events 0, enforcements 0, executions 0, unfinished 0, runs 0, tasks 0\)\n/);
    expect(out).toMatch(/pending \+ lag\s+0\n/);
    expect(out).toMatch(/Redis restarts\s+1\n/);
    expect(out).toMatch(/Postgres restarts\s+1\n/);
    expect(out).toMatch(/actor SIGKILLs\s+[1-9]/);
    expect(out).toMatch(/old rows left by retention \(must be 0\)\s+0 of 1500\n/);
  }, 240_000);
});
