/**
 * A periodic background pass (sweepers, the reconciler, retention, the worker's lease): runs `pass`
 * every `everyMs`, never two at once (a pass that outlasts the period skips the ticks it covers),
 * and hands a failed pass to `onError` and goes on. `stop()` clears the timer and waits for a pass
 * in flight, so nothing runs after it resolves.
 */
import { toError } from './errors.ts';

export interface Periodic {
  stop(): Promise<void>;
}

export function startPeriodic(everyMs: number, pass: () => Promise<unknown>, onError: (err: Error) => void): Periodic {
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = pass()
      .then(
        () => undefined,
        (err: unknown) => onError(toError(err)),
      )
      .finally(() => {
        running = null;
      });
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
