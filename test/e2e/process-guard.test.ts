// The process guard (src/process-guard.ts) holds from createAttune to stop(): a client library's
// stray connection-reset rejection does not end a process that is still starting its actors,
// any other unhandled rejection ends it as Node's default does, and a host's own listener decides.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl } from '../helpers.ts';

const host = fileURLToPath(new URL('../fixtures/guarded-host.ts', import.meta.url));

function runHost(mode: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', host, mode], {
      env: { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('the process guard', () => {
  it('logs and outlives a stray ECONNRESET rejection while an instance is open, before start', async () => {
    const { code, out } = await runHost('transient');
    expect(out).toContain('unhandled transient connection error from a client library; ignored');
    expect(out).toContain('survived');
    expect(code, out).toBe(0);
  });

  it('still ends the process on any other unhandled rejection, as Node does', async () => {
    const { code, out } = await runHost('other');
    expect(out).toContain('boom: a bug of the host');
    expect(out).not.toContain('survived');
    expect(code).not.toBe(0);
  });

  it("leaves the decision to the host's own unhandledRejection listener", async () => {
    const { code, out } = await runHost('host-listener');
    expect(out).toContain('host saw: boom: a bug of the host');
    expect(out).toContain('survived');
    expect(code, out).toBe(0);
  });

  it('is gone after stop(): the host gets Node default behaviour back', async () => {
    const { code, out } = await runHost('after-stop');
    expect(out).toContain('read ECONNRESET');
    expect(out).not.toContain('survived');
    expect(code).not.toBe(0);
  });
});
