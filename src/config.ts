/**
 * Options: one schema, one resolver, and with src/config-env.ts (the table of ATTUNE_* variables)
 * the only place that reads environment variables. Every duration is in milliseconds once resolved.
 */
import os from 'node:os';
import { z } from 'zod';
import type { Logger } from 'pino';
import { ConfigError, LOG_LEVELS, RUNTIMES, withEnv } from './config-env.ts';
import { issuesLine } from './errors.ts';
import { strictObject } from './did-you-mean.ts';

export { ConfigError, RUNTIMES };

const identifier = /^[a-z_][a-z0-9_]*$/;

export type Runtime = (typeof RUNTIMES)[number];

export const optionsSchema = strictObject({
  /** Redis URL (`REDIS_URL`, default `redis://127.0.0.1:6379`). */
  redis: z.string().min(1).optional(),
  /**
   * PostgreSQL URL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/attune`);
   * `false` for a process that needs none (worker only): nothing connects to Postgres.
   */
  database: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Key of the secret parameters' encryption (`ATTUNE_SECRET_KEY`); generated per namespace when absent. */
  secretKey: z.string().min(16, 'secretKey must be at least 16 characters').optional(),
  /** Postgres schema holding the tables (`ATTUNE_DB_SCHEMA`, default `public`). */
  schema: z.string().regex(identifier, 'schema must be a lower-case SQL identifier').optional(),
  /** Prefix of every Redis key (`ATTUNE_NAMESPACE`, default `attune`). */
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'namespace may hold letters, digits, "_", "." and "-"')
    .optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  consumer: strictObject({
    batchSize: z.number().int().min(1).max(5000).default(200),
    blockMs: z.number().int().min(10).default(2000),
    claimIdleMs: z.number().int().min(100).default(30_000),
    claimEveryMs: z.number().int().min(50).default(5_000),
    maxDeliveries: z.number().int().min(1).default(5),
    maxPayloadBytes: z.number().int().min(1024).default(1_048_576),
    /** Handling not settled after this long (a query lost with its connection) is retried as after a transient error. */
    handleDeadlineMs: z.number().int().min(1000).default(120_000),
  }).prefault({}),
  /**
   * Ceiling of each stream read by a group: at this many entries (after trimming what every group
   * has acked) producers get a `BackPressureError`. Streams without a group keep `MAXLEN ~` this.
   */
  streamMaxLen: z.number().int().min(1000).default(1_000_000),
  streams: strictObject({
    /** How often one process (a lock) trims every stream behind its groups' oldest unacked entry. */
    trimEveryMs: z.number().int().min(50).default(5000),
    /** Approximate cap of the dead stream (`XADD MAXLEN ~`): the oldest dead letters go first. */
    deadMaxLen: z.number().int().min(100).default(100_000),
    /**
     * A consumer idle this long holding nothing, and a worker registration or control stream silent
     * this long, belong to a dead process and are removed (at least `workerLiveMs` and 2 × `blockMs`).
     */
    goneAfterMs: z.number().int().min(1000).default(300_000),
  }).prefault({}),
  worker: strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
    runtimes: z
      .array(z.enum(RUNTIMES))
      .min(1)
      .default([...RUNTIMES]),
    concurrency: z.number().int().min(1).max(1000).default(16),
    heartbeatMs: z.number().int().min(100).default(2000),
    defaultTimeoutMs: z.number().int().min(100).default(600_000),
    outputLimitBytes: z.number().int().min(1024).default(1_048_576),
    drainTimeoutMs: z.number().int().min(0).default(30_000),
    /** On cancel: SIGTERM, then SIGKILL of the process group after this long. */
    killGraceMs: z.number().int().min(0).default(5000),
  }).prefault({}),
  /** A worker whose last heartbeat is older than this is dead. */
  workerLiveMs: z.number().int().min(200).default(10_000),
  /**
   * How long a start-up step may wait for PostgreSQL (the services probe, the migrations check,
   * saving code-first definitions) before start fails with a `ServiceUnavailableError`.
   */
  startTimeoutMs: z.number().int().min(100).default(30_000),
  scheduler: strictObject({
    /** An execution whose runtime no live worker offers fails after this long. */
    noWorkerTimeoutMs: z.number().int().min(100).default(60_000),
    sweepEveryMs: z.number().int().min(50).default(1000),
  }).prefault({}),
  /**
   * The HTTP server (webhooks, API, dashboard, metrics): `ATTUNE_HTTP_PORT`/`ATTUNE_HTTP_HOST`, or the
   * older `ATTUNE_WEBHOOK_PORT`/`ATTUNE_WEBHOOK_HOST`. Port 0 picks a free one.
   */
  webhook: strictObject({
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
    /** Bytes an SSE subscriber may leave unread before it is dropped (src/http/sse.ts). */
    sseBufferBytes: z.number().int().min(16_384).default(1_048_576),
  }).prefault({}),
  /**
   * Finished executions, their enforcements and events are deleted after `maxAgeMs` (each manager
   * offers; one at a time). `ATTUNE_RETENTION_DAYS`, `ATTUNE_RETENTION_EVERY_MS`, `ATTUNE_RETENTION_BATCH_SIZE`.
   */
  retention: strictObject({
    maxAgeMs: z
      .number()
      .int()
      .min(60_000)
      .default(30 * 24 * 3600 * 1000),
    everyMs: z
      .number()
      .int()
      .min(1000)
      .default(3600 * 1000),
    batchSize: z.number().int().min(1).max(10_000).default(500),
  }).prefault({}),
  /** Re-publishes executions stuck in `requested`/`scheduled` (runs inside each manager). */
  reconciler: strictObject({
    staleMs: z.number().int().min(100).default(300_000),
    everyMs: z.number().int().min(50).default(30_000),
  }).prefault({}),
  /**
   * Policies (runs inside each manager): how often delayed executions whose time came (retries,
   * rate-limit windows) go back to the scheduler, and how often concurrency slots are audited
   * (a slot whose execution ended is freed, the first in line woken). See docs/policies.md.
   */
  policies: strictObject({
    pollMs: z.number().int().min(20).default(500),
    auditEveryMs: z.number().int().min(50).default(5000),
  }).prefault({}),
});

export type AttuneOptionsInput = z.input<typeof optionsSchema> & {
  /** A pino logger; one is made from `logLevel` when absent. */
  logger?: Logger;
};

export type ResolvedConfig = Omit<z.output<typeof optionsSchema>, 'redis' | 'database' | 'schema' | 'namespace' | 'logLevel' | 'webhook' | 'secretKey'> & {
  webhook: { port: number; host: string; bodyLimitBytes: number; sseBufferBytes: number };
  redisUrl: string;
  databaseUrl: string;
  /** False when the caller said `database: false`: this process never touches Postgres. */
  useDatabase: boolean;
  secretKey: string | null;
  /** True when the URL came from the caller or the environment rather than the local default. */
  explicitServices: { redis: boolean; database: boolean };
  schema: string;
  namespace: string;
  logLevel: string;
  hostname: string;
  /** Test hook (`ATTUNE_CRASH_AT`): the named crash point SIGKILLs this process (src/crash-point.ts). */
  crashAt: string | null;
};

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/attune';

/** Validates options and fills in environment variables and defaults. */
export function resolveConfig(input: AttuneOptionsInput = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const { logger: _logger, ...rest } = input;
  const parsed = optionsSchema.safeParse(withEnv(rest, env));
  if (!parsed.success) {
    throw new ConfigError(`invalid Attune options: ${issuesLine(parsed.error)}`);
  }
  const o = parsed.data;
  const redisUrl = o.redis ?? env.REDIS_URL;
  const databaseUrl = o.database === false ? undefined : (o.database ?? env.DATABASE_URL);
  const secretKey = o.secretKey ?? env.ATTUNE_SECRET_KEY ?? null;
  if (secretKey !== null && secretKey.length < 16) throw new ConfigError('ATTUNE_SECRET_KEY must be at least 16 characters');
  const { redis: _r, database: _d, secretKey: _k, schema, namespace, logLevel, webhook, ...tuning } = o;
  return {
    ...tuning,
    redisUrl: redisUrl ?? DEFAULT_REDIS_URL,
    databaseUrl: databaseUrl ?? DEFAULT_DATABASE_URL,
    useDatabase: o.database !== false,
    secretKey,
    explicitServices: { redis: redisUrl !== undefined, database: databaseUrl !== undefined },
    schema: schema ?? 'public',
    namespace: namespace ?? 'attune',
    logLevel: logLevel ?? 'info',
    hostname: os.hostname(),
    webhook: {
      port: webhook.port ?? 8080,
      host: webhook.host ?? '0.0.0.0',
      bodyLimitBytes: webhook.bodyLimitBytes,
      sseBufferBytes: webhook.sseBufferBytes,
    },
    crashAt: env.ATTUNE_CRASH_AT ?? null,
  };
}
