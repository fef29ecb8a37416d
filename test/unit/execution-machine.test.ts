/**
 * The execution machine (src/actors/worker/execution-machine.ts) driven by hand: stub effects stand
 * in for the run, the reports, the ack and the lost-owner check; a simulated clock for the
 * running-report delay and the deadline. Every test runs twice: on an actor of the machine, and
 * through `launchExecution` (execution-run.ts), which runs the quick path without an actor and
 * starts the machine when anything else happens: both must behave alike, effect for effect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  RUNNING_REPORT_AFTER_MS,
  createExecutionMachine,
  type Claim,
  type ExecutionEvent,
  type SkipReport,
} from '../../src/actors/worker/execution-machine.ts';
import { provideEffects } from '../../src/actors/worker/execution-effects.ts';
import { launchExecution } from '../../src/actors/worker/execution-run.ts';
import type { RunOutcome } from '../../src/runtimes/types.ts';
import { machineDriver, settle, stubEffect } from './stub-actors.ts';

type Job = { id: number };

const machines = machineDriver();
afterEach(() => machines.stopAll());

const outcome = (status: RunOutcome['status'], reason: string | null = null): RunOutcome => ({
  status,
  exitCode: null,
  stdout: 'out',
  stderr: '',
  result: {},
  reason,
});

type Way = 'actor' | 'launcher';

function startExecution(way: Way, claim: Claim = { kind: 'won' }, deadlineMs: number | null = 5000) {
  const run = stubEffect<RunOutcome, { job: Job; signal: AbortSignal }>('run');
  const reportRunning = stubEffect<void, { job: Job; startedAt: string }>('reportRunning');
  const reportOutcome = stubEffect<void, { job: Job; outcome: RunOutcome; startedAt: string }>('reportOutcome');
  const reportSkipped = stubEffect<void, SkipReport<Job>>('reportSkipped');
  const ack = stubEffect<void, { job: Job; ran: boolean }>('ack');
  const confirmLost = stubEffect<'lost' | 'alive', { job: Job; owner: string; signal: AbortSignal }>('confirmLost');
  const failures: unknown[] = [];
  const effects = {
    run: run.fn,
    reportRunning: reportRunning.fn,
    reportOutcome: reportOutcome.fn,
    reportSkipped: reportSkipped.fn,
    ack: ack.fn,
    confirmLost: confirmLost.fn,
    reportFailure: ({ error }: { error: unknown }) => void failures.push(error),
  };
  const machine = provideEffects(createExecutionMachine<Job>(), effects);
  const stubs = { run, reportRunning, reportOutcome, reportSkipped, ack, confirmLost, failures };
  if (way === 'actor') {
    const driven = machines.start(machine, (clock: SimulatedClock) => ({ job: { id: 7 }, claim, deadlineMs, clock }));
    const sendNow = (e: ExecutionEvent) => driven.actor.send(e);
    return {
      ...stubs,
      state: () => driven.state(),
      send: (e: ExecutionEvent) => driven.send(e),
      sendNow,
      advance: (ms: number) => driven.advance(ms),
      ended: () => driven.actor.getSnapshot().status === 'done',
      launched: undefined,
    };
  }
  const clock = new SimulatedClock();
  const launched = launchExecution(machine, effects, { job: { id: 7 }, claim, deadlineMs, clock });
  return {
    ...stubs,
    state: () => launched.state(),
    send: async (e: ExecutionEvent) => {
      launched.send(e);
      await settle();
    },
    sendNow: (e: ExecutionEvent) => launched.send(e),
    advance: async (ms: number) => {
      clock.increment(ms);
      await settle();
    },
    ended: () => launched.ended,
    launched,
  };
}

/** Reports and acks what is in hand, and checks the machine ends acked. */
async function finish(e: ReturnType<typeof startExecution>) {
  expect(e.state()).toBe('reporting');
  e.reportOutcome.last().resolve();
  await settle();
  expect(e.state()).toBe('acking');
  e.ack.last().resolve();
  await settle();
  expect(e.state()).toBe('acked');
  expect(e.ended()).toBe(true);
}

describe.each(['actor', 'launcher'] as const)('execution machine, started as %s', (way) => {
  it('runs, reports the outcome, then acks; no running report for a quick run', async () => {
    const e = startExecution(way);
    await settle();
    expect(e.run.calls).toHaveLength(1);
    e.run.last().resolve(outcome('succeeded'));
    await settle();
    expect(e.reportOutcome.last().input.outcome.status).toBe('succeeded');
    await finish(e);
    expect(e.ack.last().input.ran).toBe(true);
    await e.advance(RUNNING_REPORT_AFTER_MS * 10);
    expect(e.reportRunning.calls).toHaveLength(0);
  });

  it('reports running after the delay, and the outcome only once that report has landed', async () => {
    const e = startExecution(way);
    await settle();
    await e.advance(RUNNING_REPORT_AFTER_MS);
    expect(e.reportRunning.calls).toHaveLength(1);
    e.run.last().resolve(outcome('failed', 'exit 1'));
    await settle();
    expect(e.reportOutcome.calls).toHaveLength(0);
    e.reportRunning.last().resolve();
    await settle();
    expect(e.reportOutcome.last().input.startedAt).toBe(e.reportRunning.last().input.startedAt);
    await finish(e);
  });

  it('deadline passes: aborts the run with `timeout` and reports timeout once it settles', async () => {
    const e = startExecution(way, { kind: 'won' }, 3000);
    await settle();
    await e.advance(2999);
    expect(e.run.last().input.signal.aborted).toBe(false);
    await e.advance(1);
    expect(e.state()).toEqual({ active: 'timingOut' });
    expect(e.run.last().input.signal.reason).toBe('timeout');
    e.reportRunning.last().resolve();
    e.run.last().resolve(outcome('canceled')); // what a killed run comes back as
    await settle();
    expect(e.reportOutcome.last().input.outcome).toMatchObject({ status: 'timeout', reason: expect.stringMatching(/3000 ms/), stdout: 'out' });
    await finish(e);
  });

  it('no deadline: never times out', async () => {
    const e = startExecution(way, { kind: 'won' }, null);
    await settle();
    await e.advance(3_000_000_000);
    expect(e.run.last().input.signal.aborted).toBe(false);
    expect(e.state()).toEqual({ active: 'running' });
  });

  it('cancel during the run: aborts with `cancel` and reports what the run returns', async () => {
    const e = startExecution(way);
    await settle();
    await e.send({ type: 'CANCEL' });
    expect(e.run.last().input.signal.reason).toBe('cancel');
    e.run.last().resolve(outcome('canceled', 'canceled'));
    await settle();
    expect(e.reportOutcome.last().input.outcome.status).toBe('canceled');
    await finish(e);
  });

  it('cancel racing completion: a run already finished is reported as it finished', async () => {
    const e = startExecution(way);
    await settle();
    e.run.last().resolve(outcome('succeeded'));
    e.sendNow({ type: 'CANCEL' }); // arrives before the machine has seen the run's result
    await settle();
    expect(e.run.last().input.signal.reason).toBe('cancel');
    expect(e.reportOutcome.last().input.outcome.status).toBe('succeeded');
    await finish(e);
  });

  it('cancel after the run is reported is ignored', async () => {
    const e = startExecution(way);
    await settle();
    e.run.last().resolve(outcome('succeeded'));
    await settle();
    await e.send({ type: 'CANCEL' });
    expect(e.run.last().input.signal.aborted).toBe(false);
    await finish(e);
  });

  it('drain stop mid-run: aborts with `stop` and releases the entry without a report or ack', async () => {
    const e = startExecution(way);
    await settle();
    await e.send({ type: 'STOP' });
    expect(e.run.last().input.signal.reason).toBe('stop');
    e.run.last().resolve(outcome('canceled'));
    await settle();
    expect(e.state()).toBe('released');
    expect(e.reportOutcome.calls).toHaveLength(0);
    expect(e.ack.calls).toHaveLength(0);
  });

  it('canceled before it started: reports canceled, acks, never runs', async () => {
    const e = startExecution(way, { kind: 'canceled' });
    await settle();
    expect(e.run.calls).toHaveLength(0);
    expect(e.reportSkipped.last().input).toMatchObject({ status: 'canceled', reason: 'canceled before it started' });
    e.reportSkipped.last().resolve();
    await settle();
    e.ack.last().resolve();
    await settle();
    expect(e.state()).toBe('acked');
    expect(e.ack.last().input.ran).toBe(false);
  });

  it('a duplicate message is acked without a report', async () => {
    const e = startExecution(way, { kind: 'duplicate' });
    await settle();
    expect(e.state()).toBe('acking');
    expect(e.reportSkipped.calls).toHaveLength(0);
  });

  it('lost owner confirmed: reports abandoned naming the owner, then acks', async () => {
    const e = startExecution(way, { kind: 'stale', owner: 'w-gone' });
    await settle();
    expect(e.confirmLost.last().input.owner).toBe('w-gone');
    e.confirmLost.last().resolve('lost');
    await settle();
    expect(e.reportSkipped.last().input).toMatchObject({ status: 'abandoned', reason: expect.stringMatching(/w-gone/), ranBy: 'w-gone' });
    expect(e.run.calls).toHaveLength(0);
  });

  it('owner alive after all, or the worker stops: released without a report', async () => {
    const alive = startExecution(way, { kind: 'stale', owner: 'w-slow' });
    await settle();
    alive.confirmLost.last().resolve('alive');
    await settle();
    expect(alive.state()).toBe('released');
    const stopped = startExecution(way, { kind: 'stale', owner: 'w-slow' });
    await settle();
    await stopped.send({ type: 'STOP' });
    expect(stopped.state()).toBe('released');
    expect(stopped.confirmLost.last().signal.aborted).toBe(true);
    expect([...alive.reportSkipped.calls, ...stopped.reportSkipped.calls]).toHaveLength(0);
  });

  it('our own claim from a previous life: reported abandoned, naming the life that ran it, not run again', async () => {
    const e = startExecution(way, { kind: 'ours', owner: 'w-dead-predecessor' });
    await settle();
    expect(e.reportSkipped.last().input).toMatchObject({
      status: 'abandoned',
      reason: 'worker w-dead-predecessor was lost while running this execution; not run again',
      ranBy: 'w-dead-predecessor',
    });
    expect(e.run.calls).toHaveLength(0);
  });

  it('a failed report ends in failed, logged, with the entry left pending', async () => {
    const e = startExecution(way);
    await settle();
    e.run.last().resolve(outcome('succeeded'));
    await settle();
    e.reportOutcome.last().reject(new Error('redis down'));
    await settle();
    expect(e.state()).toBe('failed');
    expect(e.failures).toHaveLength(1);
    expect(e.ack.calls).toHaveLength(0);
  });
});

describe('launchExecution', () => {
  it('keeps a quick run off the machine: no actor is started from claim to ack', async () => {
    const e = startExecution('launcher');
    await settle();
    e.run.last().resolve(outcome('succeeded'));
    await settle();
    await finish(e);
    expect(e.launched?.promoted).toBe(false);
  });

  it('starts the machine when the running report falls due, or when the run fails', async () => {
    const slow = startExecution('launcher');
    await slow.advance(RUNNING_REPORT_AFTER_MS);
    expect(slow.launched?.promoted).toBe(true);
    expect(slow.reportRunning.calls).toHaveLength(1);
    const broken = startExecution('launcher');
    await settle();
    broken.run.last().reject(new Error('runtime exploded'));
    await settle();
    expect(broken.launched?.promoted).toBe(true);
    expect(broken.state()).toBe('failed');
    expect(broken.failures).toHaveLength(1);
    expect(broken.ack.calls).toHaveLength(0);
  });
});
