/**
 * The life of one execution inside a worker, as a pure xstate machine:
 *
 *   claimed ─┬─ won ──────→ active ──── RUN_DONE ────→ reporting → acking → acked
 *            │              (running; CANCEL → canceling,  ↑ (after awaitingRunningReport
 *            │               DEADLINE → timingOut,         │  when a running report is in flight)
 *            │               STOP → stopping → released)   │
 *            ├─ canceled ─→ reportingSkipped ──────────────┤ (canceled before it started)
 *            ├─ ours ─────→ reportingSkipped ──────────────┤ (a previous life of this worker ran it: abandoned)
 *            ├─ stale ────→ confirmingLost ─ lost ─→ reportingSkipped (abandoned)
 *            │                             └ alive / STOP → released (left to its owner, no report)
 *            └─ duplicate → acking
 *
 * The effects are plain async functions, turned into the named `start*` actions by `provideEffects`
 * (each starts its effect and sends the settled result back as an event): no child actors, no
 * parallel state, no `after` — the timers are armed through the input's `clock` (a SimulatedClock in
 * tests). Those choices took the machine from ~200 to ~100 µs of CPU per execution
 * (`npm run bench:machine`). `execution-run.ts` starts this machine only when an execution leaves
 * the quick path (claimed, run under 100 ms, reported, acked); see there. The runtime enforces an
 * action's timeout itself; the machine's deadline is the backstop for a run that does not settle.
 */
import { assign, setup } from 'xstate';
import type { RunOutcome } from '../../runtimes/types.ts';

/** What the claim found: ours to run, canceled while queued, or started before (by whom). */
export type Claim = { kind: 'won' } | { kind: 'canceled' } | { kind: 'duplicate' } | { kind: 'ours'; owner: string } | { kind: 'stale'; owner: string };

/** How a run was asked to end early; the abort reason its signal carries. */
export type Ending = 'cancel' | 'timeout' | 'stop';

/** Timers the machine arms: the real ones by default, a SimulatedClock in tests. */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};

export interface ExecutionInput<J> {
  job: J;
  claim: Claim;
  /** Milliseconds after which a run that has not settled is aborted and reported `timeout`; null: none. */
  deadlineMs: number | null;
  clock?: Clock;
}

export interface ExecutionContext<J> {
  job: J;
  claim: Claim;
  deadlineMs: number | null;
  abort: AbortController;
  ending: Ending | null;
  outcome: RunOutcome | null;
  startedAt: string;
  clock: Clock;
  /** The armed timers of `active` (a handle bag like `abort`, cleared on exit). */
  timers: unknown[];
  /** Whether a running report was started and has not settled yet. */
  runningReportInFlight: boolean;
}

/** What the world tells the machine: the worker's CANCEL/STOP, and each effect's settled result. */
export type ExecutionEvent =
  | { type: 'CANCEL' }
  | { type: 'STOP' }
  | { type: 'RUN_DONE'; outcome: RunOutcome }
  | { type: 'RUNNING_REPORTED' }
  | { type: 'RUNNING_DUE' }
  | { type: 'DEADLINE' }
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

/** The context an execution starts with (the machine's, and the launcher's before it needs one). */
export function executionContext<J>(input: ExecutionInput<J>): ExecutionContext<J> {
  const { job, claim, deadlineMs } = input;
  const startedAt = new Date().toISOString();
  return {
    job,
    claim,
    deadlineMs,
    abort: new AbortController(),
    ending: null,
    outcome: null,
    startedAt,
    clock: input.clock ?? realClock,
    timers: [],
    runningReportInFlight: false,
  };
}

/** Arms the running-report and deadline timers of `active`; each sends its event. */
export function armTimers<J>(context: ExecutionContext<J>, send: (e: ExecutionEvent) => void): void {
  context.timers.push(context.clock.setTimeout(() => send({ type: 'RUNNING_DUE' }), RUNNING_REPORT_AFTER_MS));
  if (context.deadlineMs !== null) context.timers.push(context.clock.setTimeout(() => send({ type: 'DEADLINE' }), Math.min(context.deadlineMs, MAX_TIMER_MS)));
}

export function disarmTimers<J>(context: ExecutionContext<J>): void {
  for (const t of context.timers.splice(0)) context.clock.clearTimeout(t);
}

export interface SkipReport<J> {
  job: J;
  status: 'canceled' | 'abandoned';
  reason: string;
  /** The worker that ran it and was lost (the execution's `worker_id` names it, not the reporter). */
  ranBy?: string;
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
      /** Arms the running-report and deadline timers; each sends its event to the machine. */
      armTimers: ({ context, self }) => armTimers(context, (e) => self.send(e)),
      disarmTimers: ({ context }) => disarmTimers(context),
      markRunningReport: assign({ runningReportInFlight: (_, params: { inFlight: boolean }) => params.inFlight }),
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
      runningReportInFlight: ({ context }) => context.runningReportInFlight,
      endingIs: ({ context }, params: { ending: Ending }) => context.ending === params.ending,
      isLost: ({ event }) => event.type === 'VERDICT' && event.verdict === 'lost',
    },
  }).createMachine({
    id: 'execution',
    context: ({ input }) => executionContext(input),
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
        entry: ['startRun', 'armTimers'],
        exit: 'disarmTimers',
        initial: 'running',
        on: {
          RUNNING_DUE: { actions: [{ type: 'markRunningReport', params: { inFlight: true } }, 'startRunningReport'] },
          // the effect logs a lost running report itself; the outcome carries startedAt
          RUNNING_REPORTED: { actions: { type: 'markRunningReport', params: { inFlight: false } } },
          RUN_DONE: [
            { guard: 'runningReportInFlight', target: 'awaitingRunningReport', actions: 'storeOutcome' },
            { guard: { type: 'endingIs', params: { ending: 'stop' } }, target: 'released', actions: 'storeOutcome' },
            { target: 'reporting', actions: 'storeOutcome' },
          ],
          EFFECT_FAILED: failed,
        },
        states: {
          running: { on: { CANCEL: 'canceling', STOP: 'stopping', DEADLINE: 'timingOut' } },
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
        },
      },
      /** The run ended while its running report is in flight: the outcome goes after it. */
      awaitingRunningReport: {
        on: { RUNNING_REPORTED: [{ guard: { type: 'endingIs', params: { ending: 'stop' } }, target: 'released' }, { target: 'reporting' }] },
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
