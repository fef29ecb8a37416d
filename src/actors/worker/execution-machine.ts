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
 * injected with `.provide()` once per worker (`run-and-report.ts`); tests drive the machine with stub
 * actors and a simulated clock. The runtime enforces an action's timeout itself; the machine's
 * deadline (timeout plus kill grace plus slack) is the backstop for a run that does not settle.
 */
import { assign, fromPromise, setup } from 'xstate';
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

export type ExecutionEvent = { type: 'CANCEL' } | { type: 'STOP' };

/** `running` is reported only for actions still running after this long; a faster one's outcome carries `startedAt`. */
export const RUNNING_REPORT_AFTER_MS = 100;
/** setTimeout's ceiling; a run without a deadline gets a guarded timer of this length. */
const MAX_TIMER_MS = 2_147_483_647;

export interface SkipReport<J> {
  job: J;
  status: 'canceled' | 'abandoned';
  reason: string;
}

function skipReport<J>(context: ExecutionContext<J>): SkipReport<J> {
  if (context.claim.kind === 'canceled') return { job: context.job, status: 'canceled', reason: 'canceled before it started' };
  const owner = context.claim.kind === 'stale' ? context.claim.owner : 'this worker (a previous life)';
  return { job: context.job, status: 'abandoned', reason: `worker ${owner} was lost while running this execution; not run again` };
}

export function createExecutionMachine<J>() {
  return setup({
    types: {
      input: {} as ExecutionInput<J>,
      context: {} as ExecutionContext<J>,
      events: {} as ExecutionEvent,
    },
    actors: {
      run: fromPromise<RunOutcome, { job: J; signal: AbortSignal }>(() => Promise.reject(new Error('run not provided'))),
      reportRunning: fromPromise<void, { job: J; startedAt: string }>(() => Promise.reject(new Error('reportRunning not provided'))),
      reportOutcome: fromPromise<void, { job: J; outcome: RunOutcome; startedAt: string }>(() => Promise.reject(new Error('reportOutcome not provided'))),
      reportSkipped: fromPromise<void, SkipReport<J>>(() => Promise.reject(new Error('reportSkipped not provided'))),
      ack: fromPromise<void, { job: J; ran: boolean }>(() => Promise.reject(new Error('ack not provided'))),
      confirmLost: fromPromise<'lost' | 'alive', { job: J; owner: string }>(() => Promise.reject(new Error('confirmLost not provided'))),
    },
    actions: {
      /** Aborts the run's signal with the reason; the runtime kills the action and settles. */
      abortRun: ({ context }, params: { ending: Ending }) => context.abort.abort(params.ending),
      markEnding: assign({ ending: (_, params: { ending: Ending }) => params.ending }),
      storeOutcome: assign({ outcome: (_, params: { outcome: RunOutcome }) => params.outcome }),
      /** A run that outlived the machine's deadline is reported `timeout`, whatever the aborted runtime said. */
      markTimedOut: assign({
        outcome: ({ context }) =>
          context.ending === 'timeout' && context.outcome
            ? { ...context.outcome, status: 'timeout' as const, reason: `timed out: still running ${context.deadlineMs} ms after it started` }
            : context.outcome,
      }),
      /** Logs why bookkeeping stopped; provided by the effects. The entry stays pending. */
      reportFailure: (_, _params: { error: unknown }) => {},
    },
    guards: {
      claimIs: ({ context }, params: { kind: Claim['kind'] }) => context.claim.kind === params.kind,
      hasDeadline: ({ context }) => context.deadlineMs !== null,
      hasOutcome: ({ context }) => context.outcome !== null,
      endingIs: ({ context }, params: { ending: Ending }) => context.ending === params.ending,
      isLost: (_, params: { verdict: 'lost' | 'alive' }) => params.verdict === 'lost',
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
        onDone: [{ guard: { type: 'endingIs', params: { ending: 'stop' } }, target: 'released' }, { target: 'reporting' }],
        states: {
          run: {
            initial: 'running',
            invoke: {
              src: 'run',
              input: ({ context }) => ({ job: context.job, signal: context.abort.signal }),
              onDone: { target: '.finished', actions: { type: 'storeOutcome', params: ({ event }) => ({ outcome: event.output }) } },
              onError: { target: '#execution.failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
            },
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
                always: { guard: 'hasOutcome', target: 'skipped' },
                after: { runningReportAfter: 'reporting' },
              },
              reporting: {
                invoke: {
                  src: 'reportRunning',
                  input: ({ context }) => ({ job: context.job, startedAt: context.startedAt }),
                  onDone: 'reported',
                  onError: 'reported', // the effect logs it; the outcome carries startedAt
                },
              },
              reported: { type: 'final' },
              skipped: { type: 'final' },
            },
          },
        },
      },
      reporting: {
        entry: { type: 'markTimedOut' },
        invoke: {
          src: 'reportOutcome',
          input: ({ context }) => ({ job: context.job, outcome: context.outcome as RunOutcome, startedAt: context.startedAt }),
          onDone: 'acking',
          onError: { target: 'failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
        },
      },
      reportingSkipped: {
        invoke: {
          src: 'reportSkipped',
          input: ({ context }) => skipReport(context),
          onDone: 'acking',
          onError: { target: 'failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
        },
      },
      confirmingLost: {
        on: { STOP: 'released' },
        invoke: {
          src: 'confirmLost',
          input: ({ context }) => ({ job: context.job, owner: context.claim.kind === 'stale' ? context.claim.owner : '' }),
          onDone: [{ guard: { type: 'isLost', params: ({ event }) => ({ verdict: event.output }) }, target: 'reportingSkipped' }, { target: 'released' }],
          onError: { target: 'failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
        },
      },
      acking: {
        invoke: {
          src: 'ack',
          input: ({ context }) => ({ job: context.job, ran: context.claim.kind === 'won' }),
          onDone: 'acked',
          onError: { target: 'failed', actions: { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) } },
        },
      },
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
