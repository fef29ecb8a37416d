/**
 * The lifecycle every stream-consuming actor shares, as a pure xstate machine:
 *
 *   starting → consuming ⇄ handling → draining → stopped
 *                  ↘ backingOff ↗  (Redis/Postgres errors: back off, reconnect, retry)
 *
 * Any successful read or handled batch resets the failure count; a STOP that finds the consumer
 * backing off (or makes a failing batch back off) drains at once instead of retrying.
 *
 * The I/O (`prepare`, `read`, `handle`, `drain`) is injected with `.provide()`; tests drive the
 * machine with stub actors. A batch whose handling failed for an infrastructure reason is kept and
 * handled again after the back-off, so a service restart does not count as a delivery.
 */
import { assign, fromPromise, setup } from 'xstate';

export interface ConsumerContext<B> {
  batch: B | null;
  failures: number;
  stopping: boolean;
  prepared: boolean;
  /** The message of the latest failure, until a success resets it (`StreamConsumer.state()` shows it). */
  lastError: string | null;
}

export type ConsumerEvent = { type: 'STOP' };

export const BACKOFF_BASE_MS = 100;
export const BACKOFF_MAX_MS = 5000;

/** Exponential back-off with full jitter on the upper half, capped. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function createConsumerMachine<B extends { length: number }>() {
  return setup({
    types: {
      context: {} as ConsumerContext<B>,
      events: {} as ConsumerEvent,
    },
    actors: {
      prepare: fromPromise<void>(() => Promise.reject(new Error('prepare not provided'))),
      read: fromPromise<B>(() => Promise.reject(new Error('read not provided'))),
      handle: fromPromise<void, { batch: B }>(() => Promise.reject(new Error('handle not provided'))),
      drain: fromPromise<void>(() => Promise.resolve()),
    },
    actions: {
      /** Interrupts a blocking read so that STOP takes effect at once; provided by the effects. */
      interruptRead: () => {},
      /** Logs a failure; provided by the effects. */
      reportFailure: (_, _params: { error: unknown }) => {},
      markStopping: assign({ stopping: true }),
      markPrepared: assign({ prepared: true }),
      storeBatch: assign({ batch: (_, params: { batch: B }) => params.batch }),
      clearBatch: assign({ batch: null }),
      recordFailure: assign({
        failures: ({ context }) => context.failures + 1,
        lastError: (_, params: { error: unknown }) => String((params.error as Error | undefined)?.message ?? params.error),
      }),
      resetFailures: assign({ failures: 0, lastError: null }),
    },
    guards: {
      isStopping: ({ context }) => context.stopping,
      hasBatch: ({ context }) => context.batch !== null,
      isPrepared: ({ context }) => context.prepared,
      isEmpty: (_, params: { batch: B }) => params.batch.length === 0,
    },
    delays: {
      backoff: ({ context }) => backoffMs(context.failures),
    },
  }).createMachine({
    id: 'consumer',
    context: { batch: null, failures: 0, stopping: false, prepared: false, lastError: null },
    initial: 'starting',
    states: {
      starting: {
        on: { STOP: { target: 'stopped' } },
        invoke: {
          src: 'prepare',
          onDone: { target: 'consuming', actions: ['resetFailures', 'markPrepared'] },
          onError: {
            target: 'backingOff',
            actions: [
              { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
              { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) },
            ],
          },
        },
      },
      consuming: {
        on: { STOP: { actions: ['markStopping', 'interruptRead'] } },
        invoke: {
          src: 'read',
          onDone: [
            {
              guard: { type: 'isEmpty', params: ({ event }) => ({ batch: event.output }) },
              target: 'afterRead',
              actions: 'resetFailures', // the read worked: Redis is back, the next back-off starts short
            },
            {
              target: 'handling',
              actions: { type: 'storeBatch', params: ({ event }) => ({ batch: event.output }) },
            },
          ],
          onError: [
            { guard: 'isStopping', target: 'draining' },
            {
              target: 'backingOff',
              actions: [
                { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
                { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) },
              ],
            },
          ],
        },
      },
      /** An empty read: stop if asked to, else read again. */
      afterRead: {
        always: [{ guard: 'isStopping', target: 'draining' }, { target: 'consuming' }],
      },
      handling: {
        on: { STOP: { actions: 'markStopping' } },
        invoke: {
          src: 'handle',
          input: ({ context }) => ({ batch: context.batch as B }),
          onDone: [
            { guard: 'isStopping', target: 'draining', actions: ['clearBatch', 'resetFailures'] },
            { target: 'consuming', actions: ['clearBatch', 'resetFailures'] },
          ],
          onError: {
            target: 'backingOff',
            actions: [
              { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
              { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) },
            ],
          },
        },
      },
      backingOff: {
        // Asked to stop while a batch kept failing: stop now (the batch stays pending for a claim).
        always: { guard: 'isStopping', target: 'draining', actions: 'clearBatch' },
        on: { STOP: { target: 'draining', actions: ['markStopping', 'clearBatch'] } },
        after: {
          backoff: [{ guard: 'hasBatch', target: 'handling' }, { guard: 'isPrepared', target: 'consuming' }, { target: 'starting' }],
        },
      },
      draining: {
        invoke: { src: 'drain', onDone: 'stopped', onError: 'stopped' },
      },
      stopped: { type: 'final' },
    },
  });
}
