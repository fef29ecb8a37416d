/** resolveConfig reads options from the environment (pure: the environment is given); src/config-env.ts. */
import { describe, expect, it } from 'vitest';
import { ConfigError, optionsSchema, resolveConfig } from '../../src/config.ts';
import { ENV_VARS, misspeltEnv } from '../../src/config-env.ts';

const DAY = 24 * 3600 * 1000;

describe('retention from the environment', () => {
  it('defaults without variables: 30 days, hourly, 500 rows', () => {
    expect(resolveConfig({}, {}).retention).toEqual({ maxAgeMs: 30 * DAY, everyMs: 3_600_000, batchSize: 500 });
  });

  it('ATTUNE_RETENTION_DAYS, ATTUNE_RETENTION_EVERY_MS and ATTUNE_RETENTION_BATCH_SIZE set them', () => {
    const env = { ATTUNE_RETENTION_DAYS: '7', ATTUNE_RETENTION_EVERY_MS: '60000', ATTUNE_RETENTION_BATCH_SIZE: '100' };
    expect(resolveConfig({}, env).retention).toEqual({ maxAgeMs: 7 * DAY, everyMs: 60_000, batchSize: 100 });
    expect(resolveConfig({}, { ATTUNE_RETENTION_DAYS: '0.5' }).retention.maxAgeMs).toBe(DAY / 2);
    expect(resolveConfig({}, { ATTUNE_RETENTION_DAYS: ' 90 ' }).retention).toEqual({ maxAgeMs: 90 * DAY, everyMs: 3_600_000, batchSize: 500 });
  });

  it('an option given in code wins over the variable, each on its own', () => {
    const env = { ATTUNE_RETENTION_DAYS: '7', ATTUNE_RETENTION_BATCH_SIZE: '100' };
    expect(resolveConfig({ retention: { maxAgeMs: DAY } }, env).retention).toEqual({ maxAgeMs: DAY, everyMs: 3_600_000, batchSize: 100 });
  });

  it.each([
    ['ATTUNE_RETENTION_DAYS', 'thirty', /ATTUNE_RETENTION_DAYS must be a number of days.*got "thirty"/],
    ['ATTUNE_RETENTION_DAYS', '-3', /ATTUNE_RETENTION_DAYS must be a number of days/],
    ['ATTUNE_RETENTION_DAYS', '0', /ATTUNE_RETENTION_DAYS must be a number of days, at least one minute/],
    ['ATTUNE_RETENTION_DAYS', '', /ATTUNE_RETENTION_DAYS must be/],
    ['ATTUNE_RETENTION_DAYS', '1e3', /ATTUNE_RETENTION_DAYS must be/],
    ['ATTUNE_RETENTION_EVERY_MS', '500', /ATTUNE_RETENTION_EVERY_MS must be a whole number of milliseconds, at least 1000, got "500"/],
    ['ATTUNE_RETENTION_EVERY_MS', '1h', /ATTUNE_RETENTION_EVERY_MS must be/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '0', /ATTUNE_RETENTION_BATCH_SIZE must be a whole number from 1 to 10000, got "0"/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '20000', /ATTUNE_RETENTION_BATCH_SIZE must be/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '2.5', /ATTUNE_RETENTION_BATCH_SIZE must be/],
  ])('%s=%j is refused with a ConfigError naming it', (name, value, message) => {
    expect(() => resolveConfig({}, { [name]: value })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { [name]: value })).toThrow(message);
  });
});

/** Each variable, the option it sets (the same path in the resolved config), a value, what it becomes, and another value given in code. */
const CASES: [name: string, path: string, raw: string, value: unknown, inCode: unknown][] = [
  ['ATTUNE_NAMESPACE', 'namespace', 'prod-1', 'prod-1', 'mine'],
  ['ATTUNE_DB_SCHEMA', 'schema', 'attune_prod', 'attune_prod', 'mine'],
  ['ATTUNE_LOG_LEVEL', 'logLevel', 'debug', 'debug', 'warn'],
  ['ATTUNE_WORKER_ID', 'worker.id', 'gpu-box.1', 'gpu-box.1', 'mine'],
  ['ATTUNE_WORKER_RUNTIMES', 'worker.runtimes', ' Shell,python ,shell', ['shell', 'python'], ['node']],
  ['ATTUNE_WORKER_CONCURRENCY', 'worker.concurrency', '64', 64, 2],
  ['ATTUNE_WORKER_DEFAULT_TIMEOUT_MS', 'worker.defaultTimeoutMs', '120000', 120_000, 1000],
  ['ATTUNE_WORKER_OUTPUT_LIMIT_BYTES', 'worker.outputLimitBytes', '65536', 65_536, 2048],
  ['ATTUNE_WORKER_DRAIN_TIMEOUT_MS', 'worker.drainTimeoutMs', '0', 0, 1000],
  ['ATTUNE_WORKER_KILL_GRACE_MS', 'worker.killGraceMs', '250', 250, 1000],
  ['ATTUNE_WORKER_LIVE_MS', 'workerLiveMs', '20000', 20_000, 1000],
  ['ATTUNE_CONSUMER_BATCH_SIZE', 'consumer.batchSize', '50', 50, 7],
  ['ATTUNE_CONSUMER_CLAIM_IDLE_MS', 'consumer.claimIdleMs', '60000', 60_000, 1000],
  ['ATTUNE_CONSUMER_MAX_DELIVERIES', 'consumer.maxDeliveries', '10', 10, 3],
  ['ATTUNE_CONSUMER_MAX_PAYLOAD_BYTES', 'consumer.maxPayloadBytes', '4096', 4096, 2048],
  ['ATTUNE_CONSUMER_BLOCK_MS', 'consumer.blockMs', '500', 500, 100],
  ['ATTUNE_CONSUMER_CLAIM_EVERY_MS', 'consumer.claimEveryMs', '1000', 1000, 200],
  ['ATTUNE_CONSUMER_HANDLE_DEADLINE_MS', 'consumer.handleDeadlineMs', '30000', 30_000, 10_000],
  ['ATTUNE_STREAM_MAX_LEN', 'streamMaxLen', '50000', 50_000, 2000],
  ['ATTUNE_DEAD_MAX_LEN', 'streams.deadMaxLen', '1000', 1000, 500],
  ['ATTUNE_STREAM_TRIM_EVERY_MS', 'streams.trimEveryMs', '60000', 60_000, 1000],
  ['ATTUNE_STREAM_GONE_AFTER_MS', 'streams.goneAfterMs', '600000', 600_000, 60_000],
  ['ATTUNE_WORKER_HEARTBEAT_MS', 'worker.heartbeatMs', '500', 500, 1000],
  ['ATTUNE_SCHEDULER_SWEEP_EVERY_MS', 'scheduler.sweepEveryMs', '250', 250, 5000],
  ['ATTUNE_RECONCILER_STALE_MS', 'reconciler.staleMs', '60000', 60_000, 1000],
  ['ATTUNE_RECONCILER_EVERY_MS', 'reconciler.everyMs', '5000', 5000, 1000],
  ['ATTUNE_POLICIES_POLL_MS', 'policies.pollMs', '100', 100, 1000],
  ['ATTUNE_POLICIES_AUDIT_EVERY_MS', 'policies.auditEveryMs', '1000', 1000, 250],
  ['ATTUNE_START_TIMEOUT_MS', 'startTimeoutMs', '5000', 5000, 1000],
  ['ATTUNE_NO_WORKER_TIMEOUT_MS', 'scheduler.noWorkerTimeoutMs', '5000', 5000, 1000],
  ['ATTUNE_HTTP_PORT', 'webhook.port', '9090', 9090, 0],
  ['ATTUNE_WEBHOOK_PORT', 'webhook.port', '9091', 9091, 0],
  ['ATTUNE_HTTP_HOST', 'webhook.host', '127.0.0.1', '127.0.0.1', '::1'],
  ['ATTUNE_WEBHOOK_HOST', 'webhook.host', '::', '::', '::1'],
  ['ATTUNE_HTTP_BODY_LIMIT_BYTES', 'webhook.bodyLimitBytes', '2048', 2048, 4096],
  ['ATTUNE_SSE_BUFFER_BYTES', 'webhook.sseBufferBytes', '65536', 65_536, 32_768],
  ['ATTUNE_RETENTION_DAYS', 'retention.maxAgeMs', '2', 2 * DAY, DAY],
  ['ATTUNE_RETENTION_EVERY_MS', 'retention.everyMs', '5000', 5000, 2000],
  ['ATTUNE_RETENTION_BATCH_SIZE', 'retention.batchSize', '20', 20, 30],
];

const at = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
const inCodeAt = (path: string, value: unknown): Record<string, unknown> => {
  const [group, key] = path.split('.') as [string, string | undefined];
  return key === undefined ? { [group]: value } : { [group]: { [key]: value } };
};
/** The zod number of an option (under its default and its group's prefault). */
const schemaNumber = (path: string): { minValue: number | null; maxValue: number | null } => {
  const unwrap = (s: unknown): unknown => ((s as { unwrap?: () => unknown }).unwrap ? unwrap((s as { unwrap: () => unknown }).unwrap()) : s);
  const [group, key] = path.split('.') as [string, string | undefined];
  const top = unwrap((optionsSchema.shape as Record<string, unknown>)[group]);
  return unwrap(key === undefined ? top : (top as { shape: Record<string, unknown> }).shape[key]) as { minValue: number | null; maxValue: number | null };
};

describe('options from the environment', () => {
  it('the table holds exactly the variables tested here, each for the option tested here', () => {
    expect(ENV_VARS.map(([name, path]) => [name, path])).toEqual(CASES.map(([name, path]) => [name, path]));
  });

  it.each(CASES)('%s sets %s', (name, path, raw, value) => {
    expect(at(resolveConfig({}, {}), path)).not.toEqual(value);
    expect(at(resolveConfig({}, { [name]: raw }), path)).toEqual(value);
  });

  it.each(CASES)('%s: %s given in code wins', (name, path, raw, _value, inCode) => {
    expect(at(resolveConfig(inCodeAt(path, inCode), { [name]: raw }), path)).toEqual(inCode);
  });

  it('code and environment mix within one group; of two names for one option the newer wins', () => {
    const c = resolveConfig({ worker: { concurrency: 2 } }, { ATTUNE_WORKER_ID: 'w1', ATTUNE_WORKER_RUNTIMES: 'node', ATTUNE_WORKER_CONCURRENCY: '9' });
    expect(c.worker).toMatchObject({ id: 'w1', runtimes: ['node'], concurrency: 2, killGraceMs: 5000 });
    expect(resolveConfig({}, { ATTUNE_WEBHOOK_PORT: '1', ATTUNE_HTTP_PORT: '2' }).webhook.port).toBe(2);
    expect(resolveConfig({ webhook: { port: 0 } }, { ATTUNE_HTTP_PORT: '2' }).webhook.port).toBe(0);
  });

  it.each(ENV_VARS.filter(([, , r]) => r.min !== undefined))('%s has the bounds of %s in the schema, and refuses a value out of them', (name, path, reader) => {
    const { minValue, maxValue } = schemaNumber(path);
    expect([reader.min, reader.max]).toEqual([minValue, maxValue ?? Number.MAX_SAFE_INTEGER]);
    const min = reader.min ?? 0;
    expect(at(resolveConfig({}, { [name]: String(min) }), path)).toBe(min);
    if (min > 0) expect(() => resolveConfig({}, { [name]: String(min - 1) })).toThrow(new RegExp(`^${name} must be a whole number.*, got "${min - 1}"$`));
    if (reader.max !== Number.MAX_SAFE_INTEGER) {
      expect(at(resolveConfig({}, { [name]: String(reader.max) }), path)).toBe(reader.max);
      expect(() => resolveConfig({}, { [name]: String((reader.max ?? 0) + 1) })).toThrow(ConfigError);
    }
    for (const bad of ['lots', '', '2.5', '-1', '1e3', '0x10']) expect(() => resolveConfig({}, { [name]: bad })).toThrow(`${name} must be a whole number`);
  });

  it.each([
    ['ATTUNE_WORKER_CONCURRENCY', 'lots', 'ATTUNE_WORKER_CONCURRENCY must be a whole number from 1 to 1000, got "lots"'],
    ['ATTUNE_WORKER_DRAIN_TIMEOUT_MS', '30s', 'ATTUNE_WORKER_DRAIN_TIMEOUT_MS must be a whole number of milliseconds, at least 0, got "30s"'],
    ['ATTUNE_SSE_BUFFER_BYTES', '1024', 'ATTUNE_SSE_BUFFER_BYTES must be a whole number of bytes, at least 16384, got "1024"'],
    ['ATTUNE_HTTP_PORT', '99999', 'ATTUNE_HTTP_PORT must be a whole number from 0 to 65535, got "99999"'],
    ['ATTUNE_WORKER_ID', 'my worker', 'ATTUNE_WORKER_ID must be made of letters, digits, "_", "." and "-", got "my worker"'],
    ['ATTUNE_NAMESPACE', 'a:b', 'ATTUNE_NAMESPACE must be made of letters, digits, "_", "." and "-", got "a:b"'],
    ['ATTUNE_DB_SCHEMA', 'Prod', 'ATTUNE_DB_SCHEMA must be a lower-case SQL identifier, got "Prod"'],
    ['ATTUNE_HTTP_HOST', '', 'ATTUNE_HTTP_HOST must be a host name or address, got ""'],
    [
      'ATTUNE_WORKER_RUNTIMES',
      'shel,python',
      'ATTUNE_WORKER_RUNTIMES must be a comma-separated list of shell, python, node, got "shel,python" ("shel": did you mean "shell"?)',
    ],
    ['ATTUNE_WORKER_RUNTIMES', 'ruby', 'ATTUNE_WORKER_RUNTIMES must be a comma-separated list of shell, python, node, got "ruby"'],
    ['ATTUNE_WORKER_RUNTIMES', '', 'ATTUNE_WORKER_RUNTIMES must be a comma-separated list of shell, python, node, got ""'],
    ['ATTUNE_WORKER_RUNTIMES', 'shell,', 'ATTUNE_WORKER_RUNTIMES must be'],
  ])('%s=%j is a ConfigError: %s', (name, raw, message) => {
    expect(() => resolveConfig({}, { [name]: raw })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { [name]: raw })).toThrow(message);
  });

  it('a bad variable is refused even when code gives its option', () => {
    expect(() => resolveConfig({ worker: { concurrency: 2 } }, { ATTUNE_WORKER_CONCURRENCY: 'lots' })).toThrow('ATTUNE_WORKER_CONCURRENCY must be');
  });

  it('unknown ATTUNE_* variables are no error; a misspelt one gets a warning with a did-you-mean', () => {
    const env = {
      ATTUNE_WORKER_CONCURENCY: '4',
      ATTUNE_RETENTON_DAYS: '3',
      ATTUNE_SOMETHING_ELSE: 'x',
      ATTUNE_PARAM_WORKER_ID: 'x',
      ATTUNE_EXECUTION_ID: '7',
      ATTUNE_TRACE: 't',
      ATTUNE_WORKER_ID: 'w',
      ATTUNE_SECRET_KEY: 'sixteen characters',
      OTHER_WORKER_CONCURENCY: '4',
    };
    expect(resolveConfig({}, env).worker.concurrency).toBe(16);
    expect(misspeltEnv(env)).toEqual([
      'environment variable ATTUNE_WORKER_CONCURENCY is not one Attune reads and is ignored (did you mean ATTUNE_WORKER_CONCURRENCY?)',
      'environment variable ATTUNE_RETENTON_DAYS is not one Attune reads and is ignored (did you mean ATTUNE_RETENTION_DAYS?)',
    ]);
    expect(misspeltEnv({})).toEqual([]);
  });
});

describe('ATTUNE_LOG_LEVEL', () => {
  it('sets the level; an unknown one is a ConfigError listing the levels (pino would throw an unclear error later)', () => {
    expect(resolveConfig({}, { ATTUNE_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(resolveConfig({ logLevel: 'warn' }, { ATTUNE_LOG_LEVEL: 'debug' }).logLevel).toBe('warn');
    expect(() => resolveConfig({}, { ATTUNE_LOG_LEVEL: 'verbose' })).toThrow(
      new ConfigError('ATTUNE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'),
    );
  });
});
