/**
 * Options from environment variables: one table (variable → option, what it must be) and one
 * reader. An option given in code wins over its variable; a set variable with a bad value is a
 * `ConfigError` naming it, what it must be and the value given. The bounds are the zod schema's
 * (src/config.ts; test/unit/config-env.test.ts holds them equal). Listed in docs/configuration.md.
 */
import { didYouMean } from './did-you-mean.ts';

/** The runtimes a worker can offer and an action can name (`runtime:` in its YAML). */
export const RUNTIMES = ['shell', 'python', 'node'] as const;
/** pino's levels, for `logLevel` / `ATTUNE_LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  readonly code = 'ATTUNE_CONFIG';
}

/** How one variable is read: what it must be, and its value (undefined when it is not that). */
export interface EnvReader {
  what: string;
  read: (raw: string) => unknown;
  /** Why a bad value is bad, when more can be said (a did-you-mean). */
  hint?: (raw: string) => string | null;
  /** Bounds of a whole number, for the test that holds them equal to the schema's. */
  min?: number;
  max?: number;
}

function whole(min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): EnvReader {
  const range = max === Number.MAX_SAFE_INTEGER ? `, at least ${min}` : ` from ${min} to ${max}`;
  return {
    what: `a whole number${unit ? ` of ${unit}` : ''}${range}`,
    read: (raw) => (/^\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : undefined),
    min,
    max,
  };
}
const ms = (min: number) => whole(min, undefined, 'milliseconds');
const bytes = (min: number) => whole(min, undefined, 'bytes');
const DAY_MS = 24 * 3600 * 1000;
const days: EnvReader = {
  what: "a number of days, at least one minute's worth (30, or 0.5 for 12 hours)",
  read: (raw) => {
    const value = Math.round(Number(raw.trim()) * DAY_MS);
    return /^\d*\.?\d+$/.test(raw.trim()) && value >= 60_000 ? value : undefined;
  },
};
const matching = (pattern: RegExp, what: string): EnvReader => ({ what, read: (raw) => (pattern.test(raw) ? raw : undefined) });
const oneOf = (known: readonly string[]): EnvReader => ({ what: `one of ${known.join(', ')}`, read: (raw) => (known.includes(raw) ? raw : undefined) });
const listOf = (known: readonly string[]): EnvReader => ({
  what: `a comma-separated list of ${known.join(', ')}`,
  read: (raw) => {
    const items = raw.split(',').map((s) => s.trim().toLowerCase());
    return items.every((i) => known.includes(i)) ? [...new Set(items)] : undefined;
  },
  hint: (raw) => {
    const hints = raw.split(',').flatMap((item) => {
      const h = known.includes(item.trim().toLowerCase()) ? null : didYouMean(item.trim(), known);
      return h ? [`"${item.trim()}": did you mean "${h}"?`] : [];
    });
    return hints.length > 0 ? hints.join('; ') : null;
  },
});

const NAME = /^[A-Za-z0-9_.-]+$/;
const NAME_WHAT = 'made of letters, digits, "_", "." and "-"';

/** Variable → option path (`worker.concurrency`) and reader. Of two variables for one option, the first set wins. */
export const ENV_VARS: readonly (readonly [name: string, path: string, reader: EnvReader])[] = [
  ['ATTUNE_NAMESPACE', 'namespace', matching(NAME, NAME_WHAT)],
  ['ATTUNE_DB_SCHEMA', 'schema', matching(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')],
  ['ATTUNE_LOG_LEVEL', 'logLevel', oneOf(LOG_LEVELS)],
  ['ATTUNE_WORKER_ID', 'worker.id', matching(NAME, NAME_WHAT)],
  ['ATTUNE_WORKER_RUNTIMES', 'worker.runtimes', listOf(RUNTIMES)],
  ['ATTUNE_WORKER_CONCURRENCY', 'worker.concurrency', whole(1, 1000)],
  ['ATTUNE_WORKER_DEFAULT_TIMEOUT_MS', 'worker.defaultTimeoutMs', ms(100)],
  ['ATTUNE_WORKER_OUTPUT_LIMIT_BYTES', 'worker.outputLimitBytes', bytes(1024)],
  ['ATTUNE_WORKER_DRAIN_TIMEOUT_MS', 'worker.drainTimeoutMs', ms(0)],
  ['ATTUNE_WORKER_KILL_GRACE_MS', 'worker.killGraceMs', ms(0)],
  ['ATTUNE_WORKER_LIVE_MS', 'workerLiveMs', ms(200)],
  ['ATTUNE_CONSUMER_BATCH_SIZE', 'consumer.batchSize', whole(1, 5000)],
  ['ATTUNE_CONSUMER_CLAIM_IDLE_MS', 'consumer.claimIdleMs', ms(100)],
  ['ATTUNE_CONSUMER_MAX_DELIVERIES', 'consumer.maxDeliveries', whole(1)],
  ['ATTUNE_CONSUMER_MAX_PAYLOAD_BYTES', 'consumer.maxPayloadBytes', bytes(1024)],
  ['ATTUNE_CONSUMER_BLOCK_MS', 'consumer.blockMs', ms(10)],
  ['ATTUNE_CONSUMER_CLAIM_EVERY_MS', 'consumer.claimEveryMs', ms(50)],
  ['ATTUNE_CONSUMER_HANDLE_DEADLINE_MS', 'consumer.handleDeadlineMs', ms(1000)],
  ['ATTUNE_STREAM_MAX_LEN', 'streamMaxLen', whole(1000)],
  ['ATTUNE_DEAD_MAX_LEN', 'streams.deadMaxLen', whole(100)],
  ['ATTUNE_STREAM_TRIM_EVERY_MS', 'streams.trimEveryMs', ms(50)],
  ['ATTUNE_STREAM_GONE_AFTER_MS', 'streams.goneAfterMs', ms(1000)],
  ['ATTUNE_WORKER_HEARTBEAT_MS', 'worker.heartbeatMs', ms(100)],
  ['ATTUNE_SCHEDULER_SWEEP_EVERY_MS', 'scheduler.sweepEveryMs', ms(50)],
  ['ATTUNE_RECONCILER_STALE_MS', 'reconciler.staleMs', ms(100)],
  ['ATTUNE_RECONCILER_EVERY_MS', 'reconciler.everyMs', ms(50)],
  ['ATTUNE_POLICIES_POLL_MS', 'policies.pollMs', ms(20)],
  ['ATTUNE_POLICIES_AUDIT_EVERY_MS', 'policies.auditEveryMs', ms(50)],
  ['ATTUNE_START_TIMEOUT_MS', 'startTimeoutMs', ms(100)],
  ['ATTUNE_NO_WORKER_TIMEOUT_MS', 'scheduler.noWorkerTimeoutMs', ms(100)],
  ['ATTUNE_HTTP_PORT', 'webhook.port', whole(0, 65535)],
  ['ATTUNE_WEBHOOK_PORT', 'webhook.port', whole(0, 65535)],
  ['ATTUNE_HTTP_HOST', 'webhook.host', matching(/^\S+$/, 'a host name or address')],
  ['ATTUNE_WEBHOOK_HOST', 'webhook.host', matching(/^\S+$/, 'a host name or address')],
  ['ATTUNE_HTTP_BODY_LIMIT_BYTES', 'webhook.bodyLimitBytes', bytes(1024)],
  ['ATTUNE_SSE_BUFFER_BYTES', 'webhook.sseBufferBytes', bytes(16_384)],
  ['ATTUNE_RETENTION_DAYS', 'retention.maxAgeMs', days],
  ['ATTUNE_RETENTION_EVERY_MS', 'retention.everyMs', ms(1000)],
  ['ATTUNE_RETENTION_BATCH_SIZE', 'retention.batchSize', whole(1, 10_000)],
];

/** ATTUNE_* variables read elsewhere: src/config.ts, and those a worker sets for the actions it runs. */
const OTHER_VARS = ['ATTUNE_SECRET_KEY', 'ATTUNE_CRASH_AT', 'ATTUNE_EXECUTION_ID', 'ATTUNE_ACTION_REF', 'ATTUNE_TRACE', 'ATTUNE_ATTEMPT'];

const isGroup = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The options given, with each option they leave unset taken from its variable when set. */
export function withEnv<T extends object>(given: T, env: NodeJS.ProcessEnv): T {
  const out: Record<string, unknown> = { ...(given as Record<string, unknown>) };
  for (const [name, path, reader] of ENV_VARS) {
    const raw = env[name];
    if (raw === undefined) continue;
    const value = reader.read(raw);
    if (value === undefined) {
      const hint = reader.hint?.(raw);
      throw new ConfigError(`${name} must be ${reader.what}, got "${raw}"${hint ? ` (${hint})` : ''}`);
    }
    const [group, key] = path.split('.') as [string, string | undefined];
    if (key === undefined) {
      if (out[group] === undefined) out[group] = value;
    } else {
      const sub = out[group] ?? {}; // a group given as something else is left for the schema to refuse
      if (isGroup(sub) && sub[key] === undefined) out[group] = { ...sub, [key]: value };
    }
  }
  return out as T;
}

/** One warning per ATTUNE_* variable Attune does not read that is close to one it does (a typo, ignored). */
export function misspeltEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = [...ENV_VARS.map(([name]) => name), ...OTHER_VARS];
  const suffixes = known.map((k) => k.slice('ATTUNE_'.length));
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('ATTUNE_') || name.startsWith('ATTUNE_PARAM_') || known.includes(name)) continue;
    const hint = didYouMean(name.slice('ATTUNE_'.length), suffixes);
    if (hint !== null) out.push(`environment variable ${name} is not one Attune reads and is ignored (did you mean ATTUNE_${hint}?)`);
  }
  return out;
}
