/**
 * The sensor machine (src/actors/sensor/sensor-machine.ts) driven by hand: a stub `load`, a
 * simulated clock for the back-off, Math.random pinned so the delay is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sensorMachine } from '../../src/actors/sensor/sensor-machine.ts';
import { BACKOFF_MAX_MS } from '../../src/streams/consumer-machine.ts';
import { machineDriver, settle, stubActor } from './stub-actors.ts';

const machines = machineDriver();

beforeEach(() => {
  vi.spyOn(Math, 'random').mockReturnValue(0); // every back-off is exactly ceiling / 2
});

afterEach(() => {
  machines.stopAll();
  vi.restoreAllMocks();
});

function startSensor() {
  const load = stubActor<void>('load');
  const reported: unknown[] = [];
  let disarms = 0;
  const machine = sensorMachine.provide({
    actors: { load: load.logic },
    actions: {
      reportFailure: (_, params) => {
        reported.push(params.error);
      },
      disarm: () => {
        disarms++;
      },
    },
  });
  return {
    ...machines.start(machine),
    load,
    reported,
    disarms: () => disarms,
    async settleLoad(outcome: 'ok' | Error) {
      if (outcome === 'ok') load.last().resolve();
      else load.last().reject(outcome);
      await settle();
    },
  };
}

async function active() {
  const s = startSensor();
  await settle();
  await s.settleLoad('ok');
  expect(s.state()).toBe('active');
  return s;
}

describe('sensor machine', () => {
  it('loads once at start, then is active', async () => {
    const s = startSensor();
    await settle();
    expect(s.state()).toBe('loading');
    expect(s.load.calls).toHaveLength(1);
    await s.settleLoad('ok');
    expect(s.state()).toBe('active');
    expect(s.context()).toEqual({ failures: 0, reloadRequested: false });
    expect(s.load.calls).toHaveLength(1);
    expect(s.disarms()).toBe(0);
  });

  it('RELOAD while active loads again', async () => {
    const s = await active();
    await s.send({ type: 'RELOAD' });
    expect(s.state()).toBe('loading');
    expect(s.load.calls).toHaveLength(2);
    await s.settleLoad('ok');
    expect(s.state()).toBe('active');
  });

  it('RELOADs while loading are folded into one more load after the current one', async () => {
    const s = startSensor();
    await settle();
    await s.send({ type: 'RELOAD' });
    await s.send({ type: 'RELOAD' });
    expect(s.load.calls).toHaveLength(1); // the load in flight is not interrupted
    expect(s.load.last().signal.aborted).toBe(false);
    expect(s.context().reloadRequested).toBe(true);
    await s.settleLoad('ok');
    expect(s.state()).toBe('loading');
    expect(s.load.calls).toHaveLength(2);
    expect(s.context().reloadRequested).toBe(false);
    await s.settleLoad('ok');
    expect(s.state()).toBe('active');
    expect(s.load.calls).toHaveLength(2);
  });

  it('a failed load backs off for the delay of its failure count, reports each failure, then loads again', async () => {
    const s = startSensor();
    await settle();
    const errors = [new Error('connection refused'), new Error('connection refused'), new Error('connection refused')];
    for (const [i, delay] of [50, 100, 200].entries()) {
      await s.settleLoad(errors[i] as Error);
      expect(s.state()).toBe('backingOff');
      expect(s.context().failures).toBe(i + 1);
      await s.advance(delay - 1);
      expect(s.state()).toBe('backingOff');
      expect(s.load.calls).toHaveLength(i + 1);
      await s.advance(1);
      expect(s.state()).toBe('loading');
      expect(s.load.calls).toHaveLength(i + 2);
    }
    expect(s.reported).toEqual(errors);
    await s.settleLoad('ok');
    expect(s.state()).toBe('active');
    expect(s.context().failures).toBe(0);
  });

  it('a successful load resets the failures, so the next back-off is short again', async () => {
    const s = startSensor();
    await settle();
    await s.settleLoad(new Error('down'));
    await s.advance(50);
    await s.settleLoad(new Error('down'));
    await s.advance(100);
    await s.settleLoad('ok');
    expect(s.context().failures).toBe(0);
    await s.send({ type: 'RELOAD' });
    await s.settleLoad(new Error('down'));
    expect(s.context().failures).toBe(1);
    await s.advance(49);
    expect(s.state()).toBe('backingOff');
    await s.advance(1);
    expect(s.state()).toBe('loading');
  });

  it('a RELOAD during the back-off does not cut it short (the load after it reads everything anyway)', async () => {
    const s = startSensor();
    await settle();
    await s.settleLoad(new Error('down'));
    await s.send({ type: 'RELOAD' });
    expect(s.state()).toBe('backingOff');
    expect(s.load.calls).toHaveLength(1);
    await s.advance(50);
    expect(s.state()).toBe('loading');
    expect(s.load.calls).toHaveLength(2);
    await s.settleLoad('ok');
    expect(s.state()).toBe('active'); // no extra load for the RELOAD received while backing off
    expect(s.load.calls).toHaveLength(2);
  });
});

describe('sensor machine: stopping', () => {
  it('STOP while active disarms once and ends', async () => {
    const s = await active();
    await s.send({ type: 'STOP' });
    expect(s.state()).toBe('stopped');
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.disarms()).toBe(1);
  });

  it('STOP while loading aborts the load and disarms; its late result changes nothing', async () => {
    const s = startSensor();
    await settle();
    await s.send({ type: 'STOP' });
    expect(s.state()).toBe('stopped');
    expect(s.load.last().signal.aborted).toBe(true);
    expect(s.disarms()).toBe(1);
    await s.settleLoad('ok');
    expect(s.state()).toBe('stopped');
    expect(s.load.calls).toHaveLength(1);
  });

  it('STOP while backing off disarms and cancels the retry', async () => {
    const s = startSensor();
    await settle();
    await s.settleLoad(new Error('down'));
    await s.send({ type: 'STOP' });
    expect(s.state()).toBe('stopped');
    expect(s.disarms()).toBe(1);
    await s.advance(BACKOFF_MAX_MS);
    expect(s.load.calls).toHaveLength(1);
  });
});
