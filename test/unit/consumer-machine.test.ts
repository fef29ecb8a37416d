/**
 * The consumer machine (src/streams/consumer-machine.ts) driven by hand: stub actors stand in for
 * prepare/read/handle/drain, a simulated clock for the back-off timer, and Math.random is pinned
 * so the back-off delay is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKOFF_MAX_MS, backoffMs, createConsumerMachine } from '../../src/streams/consumer-machine.ts';
import { machineDriver, settle, stubActor } from './stub-actors.ts';

type Batch = number[];

const machines = machineDriver();

beforeEach(() => {
  // backoffMs draws the upper half with Math.random: 0 makes every delay exactly ceiling / 2
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  machines.stopAll();
  vi.restoreAllMocks();
});

function startConsumer() {
  const prepare = stubActor<void>('prepare');
  const read = stubActor<Batch>('read');
  const handle = stubActor<void, { batch: Batch }>('handle');
  const drain = stubActor<void>('drain');
  const reported: unknown[] = [];
  let interrupts = 0;
  const machine = createConsumerMachine<Batch>().provide({
    actors: { prepare: prepare.logic, read: read.logic, handle: handle.logic, drain: drain.logic },
    actions: {
      interruptRead: () => {
        interrupts++;
      },
      reportFailure: (_, params) => {
        reported.push(params.error);
      },
    },
  });
  return { ...machines.start(machine), prepare, read, handle, drain, reported, interrupts: () => interrupts };
}

/** A consumer that has prepared and is waiting on its first read. */
async function consuming() {
  const c = startConsumer();
  await settle();
  c.prepare.last().resolve();
  await settle();
  expect(c.state()).toBe('consuming');
  return c;
}

/** Fails the read in hand and checks that the consumer waits exactly `delayMs` before reading again. */
async function failReadAndWait(c: Awaited<ReturnType<typeof consuming>>, delayMs: number) {
  const reads = c.read.calls.length;
  c.read.last().reject(new Error('ECONNRESET'));
  await settle();
  expect(c.state()).toBe('backingOff');
  await c.advance(delayMs - 1);
  expect(c.state()).toBe('backingOff');
  expect(c.read.calls).toHaveLength(reads);
  await c.advance(1);
  expect(c.state()).toBe('consuming');
  expect(c.read.calls).toHaveLength(reads + 1);
}

describe('backoffMs', () => {
  it.each([
    // failures, random, delay: ceiling = min(5000, 100 · 2^(failures-1)), delay = ceiling/2 + ceiling/2 · random
    [0, 0, 50],
    [1, 0, 50],
    [1, 0.5, 75],
    [1, 1, 100],
    [2, 0, 100],
    [3, 1, 400],
    [6, 0, 1600],
    [7, 0, 2500],
    [7, 1, BACKOFF_MAX_MS],
    [30, 1, BACKOFF_MAX_MS],
  ])('failures %i, random %f → %i ms', (failures, random, delay) => {
    expect(backoffMs(failures, () => random)).toBe(delay);
  });
});

describe('consumer machine', () => {
  it('starts by preparing, then reads', async () => {
    const c = startConsumer();
    await settle();
    expect(c.state()).toBe('starting');
    expect(c.prepare.calls).toHaveLength(1);
    expect(c.read.calls).toHaveLength(0);
    c.prepare.last().resolve();
    await settle();
    expect(c.state()).toBe('consuming');
    expect(c.context()).toMatchObject({ prepared: true, failures: 0, batch: null, stopping: false });
    expect(c.read.calls).toHaveLength(1);
  });

  it('alternates consuming ⇄ handling, handing each batch to handle once, in order', async () => {
    const c = await consuming();
    for (const batch of [[1], [2, 3], [4, 5, 6]]) {
      c.read.last().resolve(batch);
      await settle();
      expect(c.state()).toBe('handling');
      expect(c.context().batch).toBe(batch);
      expect(c.handle.last().input.batch).toBe(batch);
      c.handle.last().resolve();
      await settle();
      expect(c.state()).toBe('consuming');
      expect(c.context().batch).toBeNull();
    }
    expect(c.handle.calls.map((h) => h.input.batch)).toEqual([[1], [2, 3], [4, 5, 6]]);
    expect(c.read.calls).toHaveLength(4);
  });

  it('reads again after an empty read without handling it', async () => {
    const c = await consuming();
    for (let i = 0; i < 3; i++) {
      c.read.last().resolve([]);
      await settle();
      expect(c.state()).toBe('consuming');
    }
    expect(c.read.calls).toHaveLength(4);
    expect(c.handle.calls).toHaveLength(0);
  });

  it('backs off after a read error for the delay of its failure count, then reads again (not prepare)', async () => {
    const c = await consuming();
    const error = new Error('ECONNRESET');
    c.read.last().reject(error);
    await settle();
    expect(c.state()).toBe('backingOff');
    expect(c.context()).toMatchObject({ failures: 1, lastError: 'ECONNRESET' });
    expect(c.reported).toEqual([error]);
    await c.advance(49);
    expect(c.state()).toBe('backingOff');
    await c.advance(1);
    expect(c.state()).toBe('consuming');
    expect(c.read.calls).toHaveLength(2);
    expect(c.prepare.calls).toHaveLength(1);
  });

  it('doubles the delay with each consecutive failure, up to the cap', async () => {
    const c = await consuming();
    for (const delay of [50, 100, 200, 400, 800, 1600, 2500, 2500]) await failReadAndWait(c, delay);
    expect(c.context().failures).toBe(8);
    expect(c.reported).toHaveLength(8);
  });

  it('draws the delay within the upper half of the ceiling', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const c = await consuming();
    await failReadAndWait(c, 75);
    await failReadAndWait(c, 150);
  });

  it('resets the failure count after a handled batch, so the next back-off is short again', async () => {
    const c = await consuming();
    await failReadAndWait(c, 50);
    await failReadAndWait(c, 100);
    c.read.last().resolve([7]);
    await settle();
    expect(c.context().failures).toBe(2); // a read alone does not reset it
    c.handle.last().resolve();
    await settle();
    expect(c.context()).toMatchObject({ failures: 0, lastError: null });
    await failReadAndWait(c, 50);
  });

  it('resets the failure count after an empty read (the read worked), so the next back-off is short again', async () => {
    const c = await consuming();
    await failReadAndWait(c, 50);
    await failReadAndWait(c, 100);
    c.read.last().resolve([]);
    await settle();
    expect(c.context()).toMatchObject({ failures: 0, lastError: null });
    await failReadAndWait(c, 50);
  });

  it('keeps a batch whose handling failed and hands the same batch to handle after the back-off', async () => {
    const c = await consuming();
    const batch = [1, 2];
    c.read.last().resolve(batch);
    await settle();
    c.handle.last().reject(new Error('connection terminated'));
    await settle();
    expect(c.state()).toBe('backingOff');
    expect(c.context()).toMatchObject({ batch, failures: 1, lastError: 'connection terminated' });
    await c.advance(49);
    expect(c.handle.calls).toHaveLength(1);
    await c.advance(1);
    expect(c.state()).toBe('handling');
    expect(c.handle.calls).toHaveLength(2);
    expect(c.handle.last().input.batch).toBe(batch);
    expect(c.read.calls).toHaveLength(1); // not read again: the batch in hand comes first
    c.handle.last().resolve();
    await settle();
    expect(c.state()).toBe('consuming');
    expect(c.context()).toMatchObject({ batch: null, failures: 0 });
  });

  it('prepares again after a failed prepare, then consumes with the failures reset', async () => {
    const c = startConsumer();
    await settle();
    c.prepare.last().reject(new Error('NOGROUP'));
    await settle();
    expect(c.state()).toBe('backingOff');
    expect(c.context()).toMatchObject({ prepared: false, failures: 1 });
    await c.advance(50);
    expect(c.state()).toBe('starting');
    expect(c.prepare.calls).toHaveLength(2);
    c.prepare.last().reject(new Error('NOGROUP'));
    await settle();
    await c.advance(99);
    expect(c.prepare.calls).toHaveLength(2);
    await c.advance(1);
    expect(c.prepare.calls).toHaveLength(3);
    c.prepare.last().resolve();
    await settle();
    expect(c.state()).toBe('consuming');
    expect(c.context()).toMatchObject({ prepared: true, failures: 0, lastError: null });
    expect(c.reported).toHaveLength(2);
  });
});

describe('consumer machine: stopping', () => {
  it('STOP while starting stops at once, without draining', async () => {
    const c = startConsumer();
    await settle();
    await c.send({ type: 'STOP' });
    expect(c.state()).toBe('stopped');
    expect(c.actor.getSnapshot().status).toBe('done');
    expect(c.prepare.last().signal.aborted).toBe(true);
    expect(c.drain.calls).toHaveLength(0);
    expect(c.interrupts()).toBe(0);
  });

  it('STOP while consuming interrupts the read; the interrupted read drains, without a back-off or a report', async () => {
    const c = await consuming();
    await c.send({ type: 'STOP' });
    expect(c.interrupts()).toBe(1);
    expect(c.state()).toBe('consuming'); // until the read returns
    expect(c.context().stopping).toBe(true);
    c.read.last().reject(new Error('Connection is closed.'));
    await settle();
    expect(c.state()).toBe('draining');
    expect(c.context().failures).toBe(0);
    expect(c.reported).toEqual([]);
    expect(c.drain.calls).toHaveLength(1);
    c.drain.last().resolve();
    await settle();
    expect(c.state()).toBe('stopped');
    expect(c.actor.getSnapshot().status).toBe('done');
    expect(c.read.calls).toHaveLength(1);
  });

  it('STOP while consuming, and the read returns empty: drains without reading again', async () => {
    const c = await consuming();
    c.actor.send({ type: 'STOP' });
    c.read.last().resolve([]);
    await settle();
    expect(c.state()).toBe('draining');
    expect(c.read.calls).toHaveLength(1);
  });

  it('STOP while consuming, and the read returns a batch anyway: the batch is handled, then it drains', async () => {
    const c = await consuming();
    c.actor.send({ type: 'STOP' });
    c.read.last().resolve([9]);
    await settle();
    expect(c.state()).toBe('handling');
    expect(c.handle.last().input.batch).toEqual([9]);
    c.handle.last().resolve();
    await settle();
    expect(c.state()).toBe('draining');
    expect(c.read.calls).toHaveLength(1);
  });

  it('STOP while handling waits for the batch (no interruption), then drains instead of reading', async () => {
    const c = await consuming();
    c.read.last().resolve([1, 2, 3]);
    await settle();
    await c.send({ type: 'STOP' });
    expect(c.state()).toBe('handling');
    expect(c.interrupts()).toBe(0);
    expect(c.handle.last().signal.aborted).toBe(false);
    expect(c.drain.calls).toHaveLength(0);
    c.handle.last().resolve();
    await settle();
    expect(c.state()).toBe('draining');
    expect(c.context()).toMatchObject({ batch: null, failures: 0 });
    expect(c.read.calls).toHaveLength(1);
    c.drain.last().resolve();
    await settle();
    expect(c.state()).toBe('stopped');
  });

  it('STOP while handling, and the handling fails: drains at once without retrying; the batch is dropped (left pending)', async () => {
    const c = await consuming();
    c.read.last().resolve([1]);
    await settle();
    c.actor.send({ type: 'STOP' });
    c.handle.last().reject(new Error('ECONNREFUSED'));
    await settle();
    expect(c.state()).toBe('draining');
    expect(c.context()).toMatchObject({ batch: null, stopping: true, failures: 1 });
    expect(c.reported).toHaveLength(1);
    await c.advance(BACKOFF_MAX_MS);
    expect(c.handle.calls).toHaveLength(1);
    c.drain.last().resolve();
    await settle();
    expect(c.state()).toBe('stopped');
  });

  it('STOP while backing off drains at once, drops the batch and cancels the retry', async () => {
    const c = await consuming();
    c.read.last().resolve([1]);
    await settle();
    c.handle.last().reject(new Error('ECONNREFUSED'));
    await settle();
    await c.send({ type: 'STOP' });
    expect(c.state()).toBe('draining');
    expect(c.context()).toMatchObject({ batch: null, stopping: true });
    await c.advance(BACKOFF_MAX_MS);
    expect(c.state()).toBe('draining');
    expect(c.handle.calls).toHaveLength(1);
    c.drain.last().resolve();
    await settle();
    expect(c.state()).toBe('stopped');
  });

  it('a failed drain still ends stopped', async () => {
    const c = await consuming();
    c.actor.send({ type: 'STOP' });
    c.read.last().reject(new Error('Connection is closed.'));
    await settle();
    c.drain.last().reject(new Error('drain failed'));
    await settle();
    expect(c.state()).toBe('stopped');
    expect(c.actor.getSnapshot().status).toBe('done');
    expect(c.reported).toEqual([]);
  });
});
