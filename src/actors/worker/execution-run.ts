/**
 * Starts the life of one execution. Most executions of a busy worker take the machine's quick path:
 * claim won → `active.running` → the run settles before the running report is due (100 ms), with
 * no CANCEL, STOP or deadline → `reporting` → `acking` → `acked`. On that path the machine decides
 * nothing (each state has one way out), yet interpreting it cost ~150 µs of CPU per execution, a
 * seventh of the whole no-op pipeline's. So a won claim starts here without an actor: the same
 * context, the same timers, the same effects in the same order. The moment anything else happens
 * — the running-report timer, the deadline, CANCEL or STOP, a run that fails — the machine is
 * started from the `active.running` snapshot with this context and takes over; from then on every
 * event goes to it. Every other claim (canceled, duplicate, stale, ours) starts the machine at once.
 * `test/unit/execution-machine.test.ts` runs every machine test through both ways of starting.
 */
import { createActor, type Actor, type StateValue } from 'xstate';
import type { RunOutcome } from '../../runtimes/types.ts';
import { armTimers, disarmTimers, executionContext, type ExecutionEffects, type ExecutionEvent, type ExecutionInput } from './execution-machine.ts';
import type { provideEffects } from './execution-effects.ts';

type Machine<J> = ReturnType<typeof provideEffects<J>>;

/** One execution in a worker: the machine, or the quick path until it needs the machine. */
export interface ExecutionRun {
  send(event: ExecutionEvent): void;
  /** Whether it reached a final state (acked, released, failed). */
  readonly ended: boolean;
  /** Resolves once it has ended. */
  readonly done: Promise<void>;
  /** The machine's state value (the quick path names the state it stands for). */
  state(): StateValue;
  /** Whether the machine was started (false: it stayed on the quick path). */
  readonly promoted: boolean;
}

function started<J>(actor: Actor<Machine<J>>): ExecutionRun {
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: resolve, error: () => resolve() }));
  actor.start();
  return {
    send: (e) => actor.send(e),
    get ended() {
      return actor.getSnapshot().status !== 'active';
    },
    done,
    state: () => actor.getSnapshot().value,
    promoted: true,
  };
}

export function launchExecution<J>(machine: Machine<J>, fx: ExecutionEffects<J>, input: ExecutionInput<J>): ExecutionRun {
  if (input.claim.kind !== 'won') return started(createActor(machine, { input }));
  const context = executionContext(input);
  let actor: ExecutionRun | null = null;
  let phase: 'running' | 'reporting' | 'acking' | 'acked' | 'failed' = 'running';
  let end!: () => void;
  const done = new Promise<void>((resolve) => (end = resolve));
  const promote = (): ExecutionRun => {
    actor = started(createActor(machine, { input, snapshot: machine.resolveState({ value: { active: 'running' }, context }) }));
    void actor.done.then(end);
    return actor;
  };
  // Outside `active` the machine ignores CANCEL, STOP and the timers: so does the quick path.
  const send = (e: ExecutionEvent) => (actor ?? (phase === 'running' ? promote() : null))?.send(e);
  const fail = (error: unknown) => {
    phase = 'failed';
    fx.reportFailure({ job: context.job, error });
    end();
  };
  const finish = async (outcome: RunOutcome) => {
    phase = 'reporting';
    disarmTimers(context);
    context.outcome = outcome;
    try {
      await fx.reportOutcome({ job: context.job, outcome, startedAt: context.startedAt });
      phase = 'acking';
      await fx.ack({ job: context.job, ran: true });
    } catch (error) {
      return fail(error);
    }
    phase = 'acked';
    end();
  };
  armTimers(context, send);
  // Neither handler throws (finish catches its own failures), so nothing is left unobserved.
  void fx.run({ job: context.job, signal: context.abort.signal }).then(
    (outcome) => (actor ? actor.send({ type: 'RUN_DONE', outcome }) : void finish(outcome)),
    (error: unknown) => (actor ?? promote()).send({ type: 'EFFECT_FAILED', error }),
  );
  return {
    send,
    get ended() {
      return actor ? actor.ended : phase === 'acked' || phase === 'failed';
    },
    done,
    state: () => actor?.state() ?? (phase === 'running' ? { active: 'running' } : phase),
    get promoted() {
      return actor !== null;
    },
  };
}
