/**
 * Private Redis and PostgreSQL instances, for the chaos script and the service-restart tests: they
 * may be restarted at will without touching the shared services other processes depend on.
 * Redis runs with AOF on (`appendfsync always`, so a restart loses nothing acknowledged);
 * PostgreSQL is a fresh cluster (initdb/pg_ctl run as the `postgres` OS user when we are root).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PrivateRedis {
  url: string;
  /** SHUTDOWN (AOF flushed), then start again on the same port and directory. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--save', '', '--bind', '127.0.0.1'],
      { stdio: 'ignore' },
    );
    await until(`redis on ${port}`, async () => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    });
  };
  const halt = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    await run('redis-cli', ['-p', String(port), 'shutdown']).catch(() => p.kill('SIGTERM'));
    await gone;
  };
  await start();
  return {
    url,
    async restart(downMs = 1000) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  url: string;
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** As the `postgres` user when we are root (initdb refuses to run as root). */
function asPostgres(cmd: string, args: string[]): Promise<unknown> {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  await asPostgres(path.join(PG_BIN, 'initdb'), ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync']);
  const ctl = (...args: string[]) => asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', data, ...args]);
  const start = () => ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(dir, 'log'), '-w', 'start');
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/attune`,
    async restart(downMs = 1000) {
      await ctl('-m', 'fast', '-w', 'stop');
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await ctl('-m', 'immediate', '-w', 'stop').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
