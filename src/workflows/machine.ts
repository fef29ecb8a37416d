/**
 * A workflow definition compiled to an xstate machine (pure, `setup()`): `running` ⇄ `paused`,
 * `canceling`, and the final `succeeded` | `failed` | `canceled`. The task graph lives in the
 * context (`engine.ts`): each event is one step, and the children it asks for are in
 * `context.outbox`. The machine never awaits an action: it requests a child execution, and the
 * finished child comes back as a `CHILD_FINISHED` event.
 */
import { assign, setup } from 'xstate';
import type { WorkflowDef } from './definition.ts';
import { applyChild, initialContext, isIdle, pump, renderOutput, type ChildFinished, type StartSeed, type WorkflowContext } from './engine.ts';

/** `CHILD_FINISHED` carries what a code-defined machine needs too (`ChildFinishedEvent`): the task, the item, the reason. */
export type WorkflowEvent =
  | ({ type: 'CHILD_FINISHED'; task?: string; item?: number | null; reason?: string | null } & ChildFinished)
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'CANCEL' };

/** Each action works on a copy: the persisted snapshot it came from is never changed. */
function step(context: WorkflowContext, f: (c: WorkflowContext) => void): WorkflowContext {
  const c = structuredClone(context);
  f(c);
  return c;
}

export function compileWorkflow(ref: string, def: WorkflowDef) {
  return setup({
    types: {
      context: {} as WorkflowContext,
      events: {} as WorkflowEvent,
      input: {} as { input: Record<string, unknown>; workflow: { id: number; trace: string }; seed?: StartSeed | null },
    },
    actions: {
      // Every event starts with an empty outbox; the actions of its step append to it.
      clear: assign({ outbox: [] }),
      start: assign(({ context }) => step(context, (c) => pump(def, c))),
      advance: assign(({ context, event }) =>
        step(context, (c) => {
          if (event.type !== 'CHILD_FINISHED') return;
          applyChild(def, c, event, false);
          pump(def, c);
        }),
      ),
      record: assign(({ context, event }) => step(context, (c) => event.type === 'CHILD_FINISHED' && applyChild(def, c, event, false))),
      drain: assign(({ context, event }) => step(context, (c) => event.type === 'CHILD_FINISHED' && applyChild(def, c, event, true))),
      output: assign(({ context }) => step(context, (c) => renderOutput(def, c))),
    },
    guards: {
      idle: ({ context }) => isIdle(context),
      stopped: ({ context }) => Object.keys(context.active).length === 0,
      failed: ({ context }) => context.outcome === 'failed',
    },
  }).createMachine({
    id: ref,
    context: ({ input }) => initialContext(def, input.input, input.workflow, input.seed ?? null),
    initial: 'running',
    states: {
      running: {
        entry: 'start',
        always: { guard: 'idle', target: 'concluding' },
        on: {
          CHILD_FINISHED: { actions: ['clear', 'advance'] },
          PAUSE: { target: 'paused', actions: 'clear' },
          CANCEL: { target: 'canceling', actions: 'clear' },
        },
      },
      paused: {
        // Children in flight still finish and are recorded; nothing new starts until RESUME.
        on: {
          CHILD_FINISHED: { actions: ['clear', 'record'] },
          RESUME: { target: 'running', actions: 'clear' },
          CANCEL: { target: 'canceling', actions: 'clear' },
        },
      },
      canceling: {
        always: { guard: 'stopped', target: 'canceled' },
        on: { CHILD_FINISHED: { actions: ['clear', 'drain'] } },
      },
      concluding: {
        entry: 'output',
        always: [{ guard: 'failed', target: 'failed' }, { target: 'succeeded' }],
      },
      succeeded: { type: 'final' },
      failed: { type: 'final' },
      canceled: { type: 'final' },
    },
  });
}
export type WorkflowMachine = ReturnType<typeof compileWorkflow>;
