/**
 * Test isolation: each test file gets its own stream namespace and Postgres schema, so files run
 * in parallel against the same Redis and Postgres. Waiting is by polling with a deadline.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { Attune } from '../src/attune.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../src/config.ts';
import { createSql, type Sql } from '../src/db/sql.ts';
import { keyCatalog, streamCatalog, type KeyCatalog, type StreamCatalog } from '../src/streams/catalog.ts';
import { Publisher } from '../src/streams/publisher.ts';
import { createRedis, type AttuneRedis } from '../src/streams/redis.ts';

export const corePackDir = fileURLToPath(new URL('../packs/core', import.meta.url));
export const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
export const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

export function isolation(label: string): { namespace: string; schema: string } {
  const tag = `${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  return { namespace: `t-${tag}`, schema: `t_${tag}` };
}

/** Deletes every Redis key starting with `prefix` (SCAN, then DEL per page). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function dropIsolation(namespace: string, schema: string): Promise<void> {
  await deleteKeys(`${namespace}:`);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // no database: nothing to drop
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Polls `check` until it returns a truthy value, or fails with `what` after the deadline. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead
  } catch {
    return false;
  }
}

/**
 * Raw Postgres and Redis on one instance's schema and namespace, with its catalogs: what a test or
 * script inspects and injects beside the public API (which has no `sql` nor `context`). Its own
 * connections, closed by `close()`.
 */
export interface Probe {
  /** The instance's schema (search_path), int8 read as number, as the instance reads it. */
  sql: Sql;
  redis: AttuneRedis;
  redisUrl: string;
  catalog: StreamCatalog;
  keys: KeyCatalog;
  /** Publishes straight onto the instance's streams (as another process of the namespace would). */
  publisher: Publisher;
  close(): Promise<void>;
}

/** Probes not closed yet: `test/setup.ts` fails the file if any is left open. */
export const openProbes = new Set<Probe>();

export function openProbe(where: { namespace: string; schema: string; redisUrl?: string; databaseUrl?: string; streamMaxLen?: number }): Probe {
  const url = where.redisUrl ?? redisUrl;
  const sql = createSql(where.databaseUrl ?? databaseUrl, where.schema, { max: 2 });
  const redis = createRedis(url, `attune:probe:${where.namespace}`);
  const probe: Probe = {
    sql,
    redis,
    redisUrl: url,
    catalog: streamCatalog(where.namespace),
    keys: keyCatalog(where.namespace),
    publisher: new Publisher(redis, { maxLen: where.streamMaxLen ?? 100_000, maxPayloadBytes: 1_048_576 }),
    async close() {
      if (!openProbes.delete(probe)) return;
      redis.disconnect();
      await sql.end({ timeout: 2 });
    },
  };
  openProbes.add(probe);
  return probe;
}

const probes = new WeakMap<Attune, Probe>();

/**
 * The probe of an instance (opened on first use from its config): closed when the instance stops,
 * so a test that disposes its instances leaks no probe.
 */
export function probe(attune: Attune): Probe {
  const known = probes.get(attune);
  if (known) return known;
  const { namespace, schema, redisUrl: url, databaseUrl: dbUrl, streamMaxLen } = attune.config;
  const opened = openProbe({ namespace, schema, redisUrl: url, databaseUrl: dbUrl, streamMaxLen });
  probes.set(attune, opened);
  const stop = attune.stop.bind(attune);
  attune.stop = async () => {
    try {
      await stop();
    } finally {
      probes.delete(attune);
      await opened.close();
    }
  };
  return opened;
}

/** The ports of the test Redis and Postgres: a socket of this process to one of them is a connection. */
const servicePorts = new Set([Number(new URL(redisUrl).port || 6379), Number(new URL(databaseUrl).port || 5432)]);

/**
 * This process's open TCP connections to the test Redis or Postgres, as `remote-port` strings (Linux
 * /proc; empty elsewhere). A consumer, client or pool left open shows here: `test/setup.ts` fails the
 * file if any is left once its afterAll hooks ran.
 */
export function openServiceConnections(): string[] {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return [];
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed while listing
    }
  }
  const open: string[] = [];
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const [remote, state, inode] = [f[2], f[3], f[9]];
      if (!remote || !inode || state !== '01' || !inodes.has(inode)) continue; // 01: ESTABLISHED
      const port = parseInt(remote.split(':')[1] ?? '', 16);
      if (servicePorts.has(port)) open.push(`port ${port}`);
    }
  }
  return open;
}

/** Runs `bin/attune.js` with `env`; resolves with its exit code and output (never rejects). */
export function cliRunner(env: NodeJS.ProcessEnv): (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = fileURLToPath(new URL('../bin/attune.js', import.meta.url));
  return async (...args) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
}

/** Runs `attune <args>` as a user would (a fresh Node process) with `env`; never throws. */
export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliRunner(env)(...args);
}
