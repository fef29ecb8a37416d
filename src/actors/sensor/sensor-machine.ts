/**
 * The sensor's lifecycle as a pure machine: loading ⇄ active, backing off on errors, RELOAD on
 * `rule.changed`, STOP → stopped. `load` and `arm` are provided by the effects.
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
    reportFailure: (_, _params: { error: unknown }) => {},
    disarm: () => {},
  },
  delays: { backoff: ({ context }) => backoffMs(context.failures) },
}).createMachine({
  id: 'sensor',
  context: { failures: 0, reloadRequested: false },
  initial: 'loading',
  states: {
    loading: {
      entry: assign({ reloadRequested: false }),
      on: { RELOAD: { actions: assign({ reloadRequested: true }) }, STOP: 'stopped' },
      invoke: {
        src: 'load',
        onDone: [
          { guard: ({ context }) => context.reloadRequested, target: 'loading', reenter: true, actions: assign({ failures: 0 }) },
          { target: 'active', actions: assign({ failures: 0 }) },
        ],
        onError: {
          target: 'backingOff',
          actions: [assign({ failures: ({ context }) => context.failures + 1 }), { type: 'reportFailure', params: ({ event }) => ({ error: event.error }) }],
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
