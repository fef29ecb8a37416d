/**
 * Publishes a worker's status reports on `execution.status` (the manager folds them into the
 * execution rows), and retries the worker's Redis writes until they land.
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../../context.ts';
import { toError } from '../../errors.ts';
import type { ExecutionStatusReport } from '../../streams/messages.ts';
import { boundReport } from '../../streams/status-output.ts';

/** A report as a worker writes it; `workerId` defaults to the reporting worker. */
export type StatusReport = Omit<ExecutionStatusReport, 'workerId' | 'at'> & { workerId?: string };

export interface StatusReporter {
  /** Publishes one report, stamped with the time and (unless it names another) this worker's id. */
  report(msg: StatusReport, trace: string): Promise<void>;
  /** Runs a Redis write until it lands, up to 20 attempts with a growing pause. */
  persist(what: string, fn: () => Promise<unknown>): Promise<void>;
}

const ATTEMPTS = 20;

export function createStatusReporter(ctx: AttuneContext, workerId: string, log: Logger): StatusReporter {
  return {
    async report(msg, trace) {
      const full = { ...msg, workerId: msg.workerId ?? workerId, at: new Date().toISOString() };
      // A big outcome waits in Redis beside the stream; the report stays small (status-output.ts).
      await ctx.publisher.publish(ctx.catalog.executionStatus, await boundReport(ctx.redis, ctx.keys, full), { trace });
    },
    async persist(what, fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          await fn();
          return;
        } catch (err) {
          if (attempt >= ATTEMPTS) throw err;
          log.warn({ err: toError(err).message, attempt }, `${what} failed; retrying`);
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
        }
      }
    },
  };
}
