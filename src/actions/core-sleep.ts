/**
 * `core.sleep`: waits `seconds`, in the worker's process (no child process: a sleep needs no
 * fork, and a worker can hold many at once). Cancel and timeout end it at once through the signal.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { InProcessHandler } from '../runtimes/types.ts';

export const coreSleep: InProcessHandler = async (params, ctx) => {
  const seconds = params.seconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`core.sleep: parameter "seconds" must be a non-negative number, got ${JSON.stringify(seconds)}`);
  }
  await delay(seconds * 1000, undefined, { signal: ctx.signal });
  return { slept: seconds };
};
