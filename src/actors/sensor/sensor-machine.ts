/**
 * The sensor's lifecycle as a pure machine: loading ⇄ active, backing off on errors, RELOAD on
 * `rule.changed` (a RELOAD that arrives while loading loads again once that load is done),
 * STOP → stopped. The effects (sensor.ts) provide the `load` actor, which reads the trigger
 * instances and arms their timers, and the actions `reportFailure` and `disarm`.
 */
import { assign, fromPromise, setup } from 'xstate';
import { backoffMs } from '../../streams/consumer-machine.ts';

export const sensorMachine = setup({
  types: {
    context: {} as { failures: number; reloadRequested: boolean },
    events: {} as { type: 'RELOAD' } | { type: 'STOP' },
  },
  actors: {
    load: fromPromise<void>(() => Promise.reject(new Error('load not provided'))),
  },
  actions: {
    /** Logs a failed load; provided by the effects. */
    reportFailure: (_, _params: { error: unknown }) => {},
    /** Clears every armed timer; provided by the effects. */
    disarm: () => {},
    requestReload: assign({ reloadRequested: true }),
    clearReload: assign({ reloadRequested: false }),
    recordFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    resetFailures: assign({ failures: 0 }),
  },
  guards: {
    reloadRequested: ({ context }) => context.reloadRequested,
  },
  delays: { backoff: ({ context }) => backoffMs(context.failures) },
}).createMachine({
  id: 'sensor',
  context: { failures: 0, reloadRequested: false },
  initial: 'loading',
  states: {
    loading: {
      entry: 'clearReload',
      on: { RELOAD: { actions: 'requestReload' }, STOP: 'stopped' },
      invoke: {
        src: 'load',
        onDone: [
          { guard: 'reloadRequested', target: 'loading', reenter: true, actions: 'resetFailures' },
          { target: 'active', actions: 'resetFailures' },
        ],
        onError: {
          target: 'backingOff',
          actions: ['recordFailure', { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) }],
        },
      },
    },
    active: {
      on: { RELOAD: 'loading', STOP: 'stopped' },
    },
    backingOff: {
      on: { STOP: 'stopped' },
      after: { backoff: 'loading' },
    },
    stopped: { type: 'final', entry: 'disarm' },
  },
});
