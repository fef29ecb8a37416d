/**
 * Test isolation: each test file gets its own stream namespace and Postgres schema, so files run
 * in parallel against the same Redis and Postgres. Waiting is by polling with a deadline.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from '../src/config.ts';

export const corePackDir = fileURLToPath(new URL('../packs/core', import.meta.url));
export const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
export const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

export function isolation(label: string): { namespace: string; schema: string } {
  const tag = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${randomBytes(4).toString('hex')}`;
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
export async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
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
