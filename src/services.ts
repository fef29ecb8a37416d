/**
 * Where Redis and Postgres come from: the URLs given (options or REDIS_URL / DATABASE_URL);
 * otherwise the local defaults, creating the database if missing; otherwise, where a Docker
 * engine answers, containers started with testcontainers; otherwise one clear error.
 */
import postgres from 'postgres';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type * as TC from 'testcontainers';
import type { ResolvedConfig } from './config.ts';
import { ServiceUnavailableError, toError, withDeadline } from './errors.ts';

export interface ResolvedServices {
  redisUrl: string;
  databaseUrl: string;
  /** Stops containers started for this process, if any. */
  release: () => Promise<void>;
}

const HOW_TO = 'Set REDIS_URL and DATABASE_URL, run Redis 7 and PostgreSQL 15 locally on their default ports, or start them with `docker compose up -d`.';

async function redisAnswers(url: string): Promise<Error | null> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return toError(err);
  } finally {
    probe.disconnect();
  }
}

/** Connects to the database, creating it when the server answers but the database is missing. */
async function ensureDatabase(url: string, log: Logger, timeoutMs: number): Promise<Error | null> {
  const probe = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await withDeadline(probe`select 1`, timeoutMs, 'the server (accepting connections and closing them?)');
    return null;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') return toError(err);
  } finally {
    await probe.end({ timeout: 1 });
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const adminSql = postgres(admin.toString(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await adminSql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
    log.info({ database: name }, 'created database');
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') return toError(err); // 42P04: created meanwhile
  } finally {
    await adminSql.end({ timeout: 1 });
  }
  return null;
}

async function startContainers(log: Logger, need: { redis: boolean; database: boolean }) {
  let tc: typeof TC;
  try {
    tc = await import('testcontainers');
    await tc.getContainerRuntimeClient();
  } catch {
    return null; // no Docker engine answers
  }
  const started: { stop: () => Promise<unknown> }[] = [];
  const out: { redisUrl?: string; databaseUrl?: string } = {};
  if (need.redis) {
    const c = await new tc.GenericContainer('redis:7.0').withExposedPorts(6379).withWaitStrategy(tc.Wait.forLogMessage('Ready to accept connections')).start();
    started.push(c);
    out.redisUrl = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
  }
  if (need.database) {
    const c = await new tc.GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'attune' })
      .withExposedPorts(5432)
      .withWaitStrategy(tc.Wait.forLogMessage('database system is ready to accept connections', 2))
      .start();
    started.push(c);
    out.databaseUrl = `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/attune`;
  }
  log.info(out, 'started Redis/PostgreSQL containers with testcontainers');
  return { ...out, release: async () => void (await Promise.all(started.map((c) => c.stop()))) };
}

export async function resolveServices(config: ResolvedConfig, log: Logger): Promise<ResolvedServices> {
  const redisError = await redisAnswers(config.redisUrl);
  const dbError = config.useDatabase ? await ensureDatabase(config.databaseUrl, log, Math.min(config.startTimeoutMs, 10_000)) : null;
  if (!redisError && !dbError) {
    return { redisUrl: config.redisUrl, databaseUrl: config.databaseUrl, release: async () => {} };
  }
  const failures = [
    redisError ? `Redis at ${config.redisUrl}: ${redisError.message}` : null,
    dbError ? `PostgreSQL at ${config.databaseUrl}: ${dbError.message}` : null,
  ].filter(Boolean);
  // Only the local defaults fall back to containers; a URL the user gave is used as given.
  const canFallBack = (!redisError || !config.explicitServices.redis) && (!dbError || !config.explicitServices.database);
  if (canFallBack) {
    const containers = await startContainers(log, { redis: redisError !== null, database: dbError !== null });
    if (containers) {
      return {
        redisUrl: containers.redisUrl ?? config.redisUrl,
        databaseUrl: containers.databaseUrl ?? config.databaseUrl,
        release: containers.release,
      };
    }
  }
  throw new ServiceUnavailableError(`cannot reach ${failures.join('; ')}. ${HOW_TO}`);
}
