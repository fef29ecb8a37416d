/** A few typed errors with a `code` and a `cause`, and the helpers that turn unknowns into them. */

export class AttuneError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'AttuneError';
  }
}

/** Bad input from a user (parameters, pack files, CLI arguments): never retried. */
export class ValidationError extends AttuneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ATTUNE_INVALID', message, options);
    this.name = 'ValidationError';
  }
}

/** Redis or Postgres could not be reached. */
export class ServiceUnavailableError extends AttuneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ATTUNE_SERVICE_UNAVAILABLE', message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * `promise`, or a `ServiceUnavailableError` after `ms`: for a call that may never settle. A server
 * that accepts connections and closes them during the handshake (a Postgres shutting down, a proxy)
 * makes postgres.js reconnect without end and its query wait for ever (porsager/postgres#1193).
 * A connection error (`isTransient`) becomes a `ServiceUnavailableError` naming `what` too.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ServiceUnavailableError(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } catch (err) {
    if (err instanceof ServiceUnavailableError || !isTransient(err)) throw err;
    throw new ServiceUnavailableError(`${what} failed: ${toError(err).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A stream is at its ceiling (`streamMaxLen`): its consumers are behind, and nothing it holds
 * unread may be cut. The message was not sent; the caller retries later (webhooks answer 503).
 * Inside a consumer it is transient: the batch waits, pushing the back-pressure upstream.
 */
export class BackPressureError extends AttuneError {
  readonly stream: string;
  constructor(stream: string, length: number, ceiling: number) {
    super(
      'ATTUNE_BACK_PRESSURE',
      `stream ${stream} is full (${length} entries, ceiling streamMaxLen=${ceiling}): its consumers are behind; nothing was sent, retry later`,
    );
    this.name = 'BackPressureError';
    this.stream = stream;
  }
}

/** A message over `consumer.maxPayloadBytes`: refused before it is sent, so the sender learns. */
export class MessageTooLargeError extends AttuneError {
  constructor(stream: string, bytes: number, limit: number) {
    super('ATTUNE_MESSAGE_TOO_LARGE', `message for ${stream} is ${bytes} bytes, over maxPayloadBytes=${limit}; it was not sent`);
    this.name = 'MessageTooLargeError';
  }
}

/** `executions.wait` (and `run(…, { wait: true })`) gave up before the execution got where it was awaited; it goes on. */
export class WaitTimeoutError extends AttuneError {
  constructor(message: string) {
    super('ATTUNE_WAIT_TIMEOUT', message);
    this.name = 'WaitTimeoutError';
  }
}

export class NotFoundError extends AttuneError {
  constructor(message: string) {
    super('ATTUNE_NOT_FOUND', message);
    this.name = 'NotFoundError';
  }
}

/** The database schema lacks migrations: nothing can run until `attune migrate` applies them. */
export class NotMigratedError extends AttuneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ATTUNE_NOT_MIGRATED', message, options);
    this.name = 'NotMigratedError';
  }
}

/** A query on a table that does not exist (Postgres 42P01): the schema was never migrated. */
export function notMigrated(err: unknown, schema: string): NotMigratedError | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== '42P01') return null;
  return new NotMigratedError(`database schema "${schema}" is not migrated (${String(e.message)}): run \`attune migrate\``, { cause: err });
}

/** Turns anything thrown into an Error, so it can be logged and stored. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(value)}`);
  } catch {
    return new Error(`non-error thrown: ${String(value)}`);
  }
}

const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * True for errors of the infrastructure (a service restarting, a dropped connection) rather than
 * of the message: the work is retried as it is, without counting a delivery.
 */
export function isTransient(value: unknown): boolean {
  for (let e: unknown = value, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const err = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof err.code === 'string' && (transientCodes.has(err.code) || err.code.startsWith('08'))) return true;
    if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ServiceUnavailableError' || err.name === 'BackPressureError') return true;
    if (
      typeof err.message === 'string' &&
      /Connection is closed|Stream isn't writeable|LOADING|READONLY|MASTERDOWN|write (EPIPE|ECONNRESET)/.test(err.message)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * A schema's issues (zod's) as one line that names each field before what is wrong with it:
 * `name: is required; parameters.x.type: Invalid option: expected one of …`. A missing field says
 * so, instead of `expected string, received undefined`.
 */
export function issuesLine(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
      const message = /^Invalid input: expected \w+, received undefined$/.test(issue.message) ? 'is required' : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
