/** The execution machine's effects, turned into its named `start*` actions (see execution-machine.ts). */
import type { RunOutcome } from '../../runtimes/types.ts';
import type { ExecutionContext, ExecutionEffects, ExecutionEvent, ExecutionMachine, SkipReport } from './execution-machine.ts';

/** What to report for an execution that was not run: canceled while queued, or abandoned by a lost owner. */
export function skipReport<J>(context: ExecutionContext<J>): SkipReport<J> {
  const claim = context.claim;
  if (claim.kind === 'canceled') return { job: context.job, status: 'canceled', reason: 'canceled before it started' };
  // `ours`: a previous life of this worker id, or a dead predecessor on this host; `stale`: a worker elsewhere, confirmed lost.
  const owner = claim.kind === 'ours' || claim.kind === 'stale' ? claim.owner : null;
  const reason = `worker ${owner ?? '(unknown)'} was lost while running this execution; not run again`;
  return owner === null ? { job: context.job, status: 'abandoned', reason } : { job: context.job, status: 'abandoned', reason, ranBy: owner };
}

type Self = { send(event: ExecutionEvent): void };

/**
 * The machine with its effects: each `start*` action starts one effect and sends its settled result
 * back (`RUN_DONE`, `RUNNING_REPORTED`, `DONE`, `VERDICT`, or `EFFECT_FAILED`). Events that arrive
 * after the machine moved on are ignored by it.
 */
export function provideEffects<J>(machine: ExecutionMachine<J>, fx: ExecutionEffects<J>) {
  const settle = <T>(self: Self, p: Promise<T>, ok: (value: T) => ExecutionEvent) =>
    void p.then(
      (value) => self.send(ok(value)),
      (error: unknown) => self.send({ type: 'EFFECT_FAILED', error }),
    );
  return machine.provide({
    actions: {
      startRun: ({ context, self }) => settle(self, fx.run({ job: context.job, signal: context.abort.signal }), (outcome) => ({ type: 'RUN_DONE', outcome })),
      startRunningReport: ({ context, self }) =>
        settle(
          self,
          fx.reportRunning({ job: context.job, startedAt: context.startedAt }).catch(() => {}),
          () => ({ type: 'RUNNING_REPORTED' }),
        ),
      startReportOutcome: ({ context, self }) =>
        settle(self, fx.reportOutcome({ job: context.job, outcome: context.outcome as RunOutcome, startedAt: context.startedAt }), () => ({ type: 'DONE' })),
      startReportSkipped: ({ context, self }) => settle(self, fx.reportSkipped(skipReport(context)), () => ({ type: 'DONE' })),
      startAck: ({ context, self }) => settle(self, fx.ack({ job: context.job, ran: context.claim.kind === 'won' }), () => ({ type: 'DONE' })),
      startConfirmLost: ({ context, self }) =>
        settle(
          self,
          fx.confirmLost({ job: context.job, owner: context.claim.kind === 'stale' ? context.claim.owner : '', signal: context.abort.signal }),
          (verdict) => ({ type: 'VERDICT', verdict }),
        ),
      reportFailure: ({ context, event }) => fx.reportFailure({ job: context.job, error: event.type === 'EFFECT_FAILED' ? event.error : event }),
    },
  });
}
