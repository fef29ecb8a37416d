/**
 * Guards a process running actors against two known faults of the postgres client when a
 * connection drops (a restart, a reset under load), which would otherwise end the process:
 * - a connection reset surfacing as an unhandled promise rejection (porsager/postgres#600);
 * - `TypeError: Cannot read properties of null (reading 'write')` thrown from `nextWrite` in a
 *   `setImmediate` after the socket closed (porsager/postgres#1154, #1208; open in 3.4.9).
 * Both are logged and ignored: the query concerned was already rejected with CONNECTION_CLOSED and
 * its actor backs off and retries. Anything else still ends the process, as Node's default does,
 * unless the host process has listeners of its own: then they decide, as they did before.
 * Installed from `createAttune` until `stop()`: a service restarting while a process still starts
 * (probing the services, checking migrations) is covered too.
 */
import type { Logger } from 'pino';
import { isTransient, toError } from './errors.ts';

const owners = new Set<Logger>();

function onUnhandledRejection(reason: unknown): void {
  const err = toError(reason);
  if (isTransient(err)) {
    for (const log of owners) {
      log.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'unhandled transient connection error from a client library; ignored');
      break;
    }
    return;
  }
  if (process.listenerCount('unhandledRejection') > 1) return; // the host's own listener decides
  throw err; // as without this guard: the process ends with the error
}

function isPostgresNullSocketWrite(err: Error): boolean {
  return (
    err instanceof TypeError &&
    /reading 'write'/.test(err.message) &&
    /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '') &&
    /nextWrite/.test(err.stack ?? '')
  );
}

function onUncaughtException(err: Error): void {
  if (isPostgresNullSocketWrite(err)) {
    for (const log of owners) {
      log.warn({ err: err.message }, 'postgres client wrote to a closed connection (porsager/postgres#1208); ignored');
      break;
    }
    return;
  }
  if (process.listenerCount('uncaughtException') > 1) return; // the host's own listener decides
  // What Node does without a handler: print the error and exit.
  process.stderr.write(`${err.stack ?? String(err)}\n`);
  process.exit(1);
}

/** Installs the guard while at least one Attune instance is open in this process (or a runner holds it). */
export function guardProcess(log: Logger): () => void {
  if (owners.size === 0) {
    process.on('unhandledRejection', onUnhandledRejection);
    process.on('uncaughtException', onUncaughtException);
  }
  owners.add(log);
  return () => {
    owners.delete(log);
    if (owners.size === 0) {
      process.off('unhandledRejection', onUnhandledRejection);
      process.off('uncaughtException', onUncaughtException);
    }
  };
}
