/**
 * The compiled machine, pure: each event is a step whose requests are in `context.outbox`; a
 * persisted snapshot restored with `createActor(machine, { snapshot })` continues where it was;
 * a child applied twice changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type SnapshotFrom } from 'xstate';
import { compileWorkflow, type WorkflowMachine } from '../../src/workflows/machine.ts';
import { parseWorkflow } from '../../src/workflows/validate.ts';

const def = parseWorkflow(
  {
    tasks: {
      first: {
        action: 'core.echo',
        input: { message: 'hi {{ input.who }}' },
        next: [{ when: 'succeeded', publish: { said: '{{ result.out }}' }, do: 'each' }],
      },
      each: {
        action: 'core.echo',
        with: { items: '{{ input.list }}', concurrency: 2 },
        input: { message: '{{ item }}' },
        retry: { count: 1 },
        next: [{ do: 'end' }],
      },
      end: { action: 'core.noop' },
    },
    output: { said: '{{ ctx.said }}' },
  },
  'wf',
);
const machine = compileWorkflow('t.wf', def);
const input = { input: { who: 'you', list: ['a', 'b', 'c'] }, workflow: { id: 1, trace: 't1' } };

/** Restores, applies one event, persists: what the workflow actor does per step. */
function step(m: WorkflowMachine, persisted: unknown, event: Parameters<ReturnType<typeof createActor<WorkflowMachine>>['send']>[0]) {
  const actor = createActor(m, { snapshot: persisted as SnapshotFrom<WorkflowMachine>, input }).start();
  actor.send(event);
  const snap = actor.getSnapshot();
  const out = { persisted: actor.getPersistedSnapshot(), outbox: snap.context.outbox, value: snap.value, context: snap.context };
  actor.stop();
  return out;
}

describe('compiled workflow machine', () => {
  it('runs a sequence, with-items at its concurrency with a retry, and ends with the output, across persisted snapshots', () => {
    const a = createActor(machine, { input }).start();
    expect(a.getSnapshot().context.outbox.map((r) => [r.task, r.input])).toEqual([['first', { message: 'hi you' }]]);
    let p: unknown = a.getPersistedSnapshot();
    a.stop();
    p = JSON.parse(JSON.stringify(p)); // what Postgres gives back

    let s = step(machine, p, { type: 'CHILD_FINISHED', seq: 1, status: 'succeeded', result: { out: 'hello' } });
    expect(s.outbox.map((r) => [r.seq, r.task, r.item, r.input])).toEqual([
      [2, 'each', 0, { message: 'a' }],
      [3, 'each', 1, { message: 'b' }],
    ]);
    // the same child again (a redelivery that got past the applied table) changes nothing
    const again = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 1, status: 'succeeded', result: { out: 'hello' } });
    expect(again.outbox).toEqual([]);
    expect(again.context.seq).toBe(3);

    s = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 2, status: 'failed', result: null });
    expect(s.outbox.map((r) => [r.seq, r.item, r.attempt])).toEqual([[4, 0, 2]]); // the retry: a new child
    s = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 3, status: 'succeeded', result: { out: 'b' } });
    expect(s.outbox.map((r) => [r.seq, r.item])).toEqual([[5, 2]]);
    s = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 4, status: 'succeeded', result: { out: 'a' } });
    expect(s.outbox).toEqual([]);
    s = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 5, status: 'succeeded', result: { out: 'c' } });
    expect(s.outbox.map((r) => r.task)).toEqual(['end']);
    s = step(machine, s.persisted, { type: 'CHILD_FINISHED', seq: 6, status: 'succeeded', result: {} });
    expect(s.value).toBe('succeeded');
    expect(s.context.output).toEqual({ said: 'hello' });
  });

  it('a failed task that no transition handles fails the workflow, naming it', () => {
    const a = createActor(machine, { input }).start();
    a.send({ type: 'CHILD_FINISHED', seq: 1, status: 'failed', result: null });
    expect(a.getSnapshot().value).toBe('failed');
    expect(a.getSnapshot().context.errors).toEqual(['task "first" failed and no transition handles it']);
    a.stop();
  });

  it('pause holds new children until resume; cancel waits for the running ones', () => {
    const a = createActor(machine, { input }).start();
    a.send({ type: 'PAUSE' });
    a.send({ type: 'CHILD_FINISHED', seq: 1, status: 'succeeded', result: { out: 'x' } });
    expect(a.getSnapshot().context.outbox).toEqual([]);
    a.send({ type: 'RESUME' });
    expect(a.getSnapshot().context.outbox.map((r) => r.task)).toEqual(['each', 'each']);
    a.send({ type: 'CANCEL' });
    expect(a.getSnapshot().value).toBe('canceling');
    a.send({ type: 'CHILD_FINISHED', seq: 2, status: 'canceled', result: null });
    a.send({ type: 'CHILD_FINISHED', seq: 3, status: 'succeeded', result: null });
    expect(a.getSnapshot().value).toBe('canceled');
    a.stop();
  });
});
