/**
 * The life of one execution inside a worker, as a pure xstate machine:
 *
 *   claimed ─┬─ won ──────→ active ─────────────────→ reporting → acking → acked
 *            │              (run ∥ running report;         ↑
 *            │               CANCEL → canceling,           │
 *            │               deadline → timingOut,         │
 *            │               STOP → stopping → released)   │
 *            ├─ canceled ─→ reportingSkipped ──────────────┤ (canceled before it started)
 *            ├─ ours ─────→ reportingSkipped ──────────────┤ (a previous life of this worker ran it: abandoned)
 *            ├─ stale ────→ confirmingLost ─ lost ─→ reportingSkipped (abandoned)
 *            │                             └ alive / STOP → released (left to its owner, no report)
 *            └─ duplicate → acking
 *
 * The effects (`run`, `reportRunning`, `reportOutcome`, `reportSkipped`, `ack`, `confirmLost`) are
 * plain async functions, turned into the machine's named `start*` actions by `provideEffects` once per
 * worker (`run-and-report.ts`); each action starts its effect and sends the settled result back as an
 * event. So one execution is one actor with no children: invoked promise actors cost three to four
 * child actors per execution, several times the whole hand-written path. Tests provide stub effects
 * and drive the machine on a simulated clock. The runtime enforces an action's timeout itself; the machine's
 * deadline (timeout plus kill grace plus slack) is the backstop for a run that does not settle.
 */
import { assign, setup } from 'xstate';
import type { RunOutcome } from '../../runtimes/types.ts';

/** What the claim found: ours to run, canceled while queued, or started before (by whom). */
export type Claim = { kind: 'won' } | { kind: 'canceled' } | { kind: 'duplicate' } | { kind: 'ours' } | { kind: 'stale'; owner: string };

/** How a run was asked to end early; the abort reason its signal carries. */
export type Ending = 'cancel' | 'timeout' | 'stop';

export interface ExecutionInput<J> {
  job: J;
  claim: Claim;
  /** Milliseconds after which a run that has not settled is aborted and reported `timeout`; null: none. */
  deadlineMs: number | null;
}

export interface ExecutionContext<J> {
  job: J;
  claim: Claim;
  deadlineMs: number | null;
  abort: AbortController;
  ending: Ending | null;
  outcome: RunOutcome | null;
  startedAt: string;
}

/** What the world tells the machine: the worker's CANCEL/STOP, and each effect's settled result. */
export type ExecutionEvent =
  | { type: 'CANCEL' }
  | { type: 'STOP' }
  | { type: 'RUN_DONE'; outcome: RunOutcome }
  | { type: 'RUNNING_REPORTED' }
  | { type: 'DONE' }
  | { type: 'VERDICT'; verdict: 'lost' | 'alive' }
  | { type: 'EFFECT_FAILED'; error: unknown };

/** The I/O of one execution, provided once per worker. `signal` aborts with the run's `Ending`. */
export interface ExecutionEffects<J> {
  run(input: { job: J; signal: AbortSignal }): Promise<RunOutcome>;
  reportRunning(input: { job: J; startedAt: string }): Promise<void>;
  reportOutcome(input: { job: J; outcome: RunOutcome; startedAt: string }): Promise<void>;
  reportSkipped(input: SkipReport<J>): Promise<void>;
  ack(input: { job: J; ran: boolean }): Promise<void>;
  confirmLost(input: { job: J; owner: string; signal: AbortSignal }): Promise<'lost' | 'alive'>;
  /** Logs why bookkeeping stopped. The entry stays pending. */
  reportFailure(input: { job: J; error: unknown }): void;
}

/** `running` is reported only for actions still running after this long; a faster one's outcome carries `startedAt`. */
export const RUNNING_REPORT_AFTER_MS = 100;
/** setTimeout's ceiling; a run without a deadline gets a guarded timer of this length. */
const MAX_TIMER_MS = 2_147_483_647;

export interface SkipReport<J> {
  job: J;
  status: 'canceled' | 'abandoned';
  reason: string;
}

export function skipReport<J>(context: ExecutionContext<J>): SkipReport<J> {
  if (context.claim.kind === 'canceled') return { job: context.job, status: 'canceled', reason: 'canceled before it started' };
  const owner = context.claim.kind === 'stale' ? context.claim.owner : 'this worker (a previous life)';
  return { job: context.job, status: 'abandoned', reason: `worker ${owner} was lost while running this execution; not run again` };
}

const notProvided = (name: string) => () => {
  throw new Error(`execution machine: ${name} not provided (use provideEffects)`);
};
const failed = { target: '#execution.failed', actions: { type: 'reportFailure' } } as const;

export function createExecutionMachine<J>() {
  return setup({
    types: {
      input: {} as ExecutionInput<J>,
      context: {} as ExecutionContext<J>,
      events: {} as ExecutionEvent,
    },
    actions: {
      startRun: notProvided('startRun'),
      startRunningReport: notProvided('startRunningReport'),
      startReportOutcome: notProvided('startReportOutcome'),
      startReportSkipped: notProvided('startReportSkipped'),
      startAck: notProvided('startAck'),
      startConfirmLost: notProvided('startConfirmLost'),
      reportFailure: notProvided('reportFailure'),
      /** Aborts the run's signal with the reason; the runtime kills the action and settles. */
      abortRun: ({ context }, params: { ending: Ending }) => context.abort.abort(params.ending),
      markEnding: assign({ ending: (_, params: { ending: Ending }) => params.ending }),
      storeOutcome: assign({ outcome: ({ event }) => (event.type === 'RUN_DONE' ? event.outcome : null) }),
      /** A run that outlived the machine's deadline is reported `timeout`, whatever the aborted runtime said. */
      markTimedOut: assign({
        outcome: ({ context }) =>
          context.ending === 'timeout' && context.outcome
            ? { ...context.outcome, status: 'timeout' as const, reason: `timed out: still running ${context.deadlineMs} ms after it started` }
            : context.outcome,
      }),
    },
    guards: {
      claimIs: ({ context }, params: { kind: Claim['kind'] }) => context.claim.kind === params.kind,
      hasDeadline: ({ context }) => context.deadlineMs !== null,
      endingIs: ({ context }, params: { ending: Ending }) => context.ending === params.ending,
      isLost: ({ event }) => event.type === 'VERDICT' && event.verdict === 'lost',
    },
    delays: {
      deadline: ({ context }) => Math.min(context.deadlineMs ?? MAX_TIMER_MS, MAX_TIMER_MS),
      runningReportAfter: RUNNING_REPORT_AFTER_MS,
    },
  }).createMachine({
    id: 'execution',
    context: ({ input }) => ({
      job: input.job,
      claim: input.claim,
      deadlineMs: input.deadlineMs,
      abort: new AbortController(),
      ending: null,
      outcome: null,
      startedAt: new Date().toISOString(),
    }),
    initial: 'claimed',
    states: {
      claimed: {
        always: [
          { guard: { type: 'claimIs', params: { kind: 'won' } }, target: 'active' },
          { guard: { type: 'claimIs', params: { kind: 'duplicate' } }, target: 'acking' },
          { guard: { type: 'claimIs', params: { kind: 'stale' } }, target: 'confirmingLost' },
          { target: 'reportingSkipped' },
        ],
      },
      active: {
        type: 'parallel',
        entry: 'startRun',
        onDone: [{ guard: { type: 'endingIs', params: { ending: 'stop' } }, target: 'released' }, { target: 'reporting' }],
        states: {
          run: {
            initial: 'running',
            on: { RUN_DONE: { target: '.finished', actions: 'storeOutcome' }, EFFECT_FAILED: failed },
            states: {
              running: {
                after: { deadline: { guard: 'hasDeadline', target: 'timingOut' } },
                on: { CANCEL: 'canceling', STOP: 'stopping' },
              },
              stopping: {
                entry: [
                  { type: 'markEnding', params: { ending: 'stop' } },
                  { type: 'abortRun', params: { ending: 'stop' } },
                ],
              },
              canceling: {
                entry: [
                  { type: 'markEnding', params: { ending: 'cancel' } },
                  { type: 'abortRun', params: { ending: 'cancel' } },
                ],
              },
              timingOut: {
                entry: [
                  { type: 'markEnding', params: { ending: 'timeout' } },
                  { type: 'abortRun', params: { ending: 'timeout' } },
                ],
              },
              finished: { type: 'final' },
            },
          },
          runningReport: {
            initial: 'waiting',
            states: {
              waiting: {
                on: { RUN_DONE: 'skipped' },
                after: { runningReportAfter: 'reporting' },
              },
              // the effect logs a lost running report itself; the outcome carries startedAt
              reporting: { entry: 'startRunningReport', on: { RUNNING_REPORTED: 'reported' } },
              reported: { type: 'final' },
              skipped: { type: 'final' },
            },
          },
        },
      },
      reporting: { entry: ['markTimedOut', 'startReportOutcome'], on: { DONE: 'acking', EFFECT_FAILED: failed } },
      reportingSkipped: { entry: 'startReportSkipped', on: { DONE: 'acking', EFFECT_FAILED: failed } },
      confirmingLost: {
        entry: 'startConfirmLost',
        on: {
          STOP: { target: 'released', actions: { type: 'abortRun', params: { ending: 'stop' } } },
          VERDICT: [{ guard: 'isLost', target: 'reportingSkipped' }, { target: 'released' }],
          EFFECT_FAILED: failed,
        },
      },
      acking: { entry: 'startAck', on: { DONE: 'acked', EFFECT_FAILED: failed } },
      /** Reported and acked. */
      acked: { type: 'final' },
      /** Left pending, unreported: stopped mid-run (another worker takes it over), or left to a live owner. */
      released: { type: 'final' },
      /** Bookkeeping failed after its retries; the entry stays pending. */
      failed: { type: 'final' },
    },
  });
}

export type ExecutionMachine<J> = ReturnType<typeof createExecutionMachine<J>>;
