/**
 * After `stop()` the instance's connections are closed: every method but `stop` (idempotent) fails
 * at once with an error saying so, instead of a client library's `write CONNECTION_ENDED` from
 * deep inside (or, for `start()`, a "PostgreSQL failed" that blames the database).
 */
import { AttuneError } from '../errors.ts';

/** Methods that return no promise: they throw instead of rejecting. */
const syncMethods = new Set(['handle']);
/** Methods that need no connection and serve the stop itself (a second Ctrl-C kills what still runs while `stop()` drains). */
const alwaysAllowed = new Set(['stop', 'killRunningActions']);

function stoppedError(path: string): AttuneError {
  return new AttuneError(
    'ATTUNE_STOPPED',
    `attune.${path}() called after attune.stop(): this instance's connections are closed; create another with createAttune()`,
  );
}

/** A copy of `api` whose methods (nested objects included) fail once `isStopped()` holds. */
export function failAfterStop<T extends object>(api: T, isStopped: () => boolean, prefix = ''): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(api)) {
    const path = `${prefix}${key}`;
    if (typeof value === 'function' && !alwaysAllowed.has(key)) {
      const fn = value as (...args: unknown[]) => unknown;
      out[key] = (...args: unknown[]) => {
        if (!isStopped()) return fn.apply(api, args);
        const err = stoppedError(path);
        if (syncMethods.has(key)) throw err;
        if (key === 'watch')
          return (async function* () {
            yield* [];
            throw err;
          })();
        return Promise.reject(err);
      };
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && key !== 'config' && key !== 'log') {
      out[key] = failAfterStop(value, isStopped, `${path}.`);
    } else out[key] = value;
  }
  return out as T;
}
