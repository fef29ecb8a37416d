/**
 * Code-defined workflows: an xstate machine registered with `defineWorkflow`, run end to end by the
 * real actors (scheduler → workflow actor → children on a worker → manager → workflow actor),
 * restored from its persisted snapshot by another instance, canceled, and refused or failed with
 * a reason when it breaks the rules (docs/workflows.md, "Code-defined workflows").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assign, fromPromise, setup, spawnChild } from 'xstate';
import { z } from 'zod';
import {
  createAttune,
  defineAction,
  defineWorkflow,
  requestAction,
  ValidationError,
  type Attune,
  type ChildFinishedEvent,
  type Definition,
  type WorkflowInput,
} from '../../src/index.ts';
import { dropIsolation, eventually, isolation, probe } from '../helpers.ts';

const double = defineAction({
  ref: 'cwf.double',
  parameters: z.object({ n: z.number() }),
  handler: async ({ n }) => ({ n: n * 2 }),
});
const add = defineAction({
  ref: 'cwf.add',
  parameters: z.object({ a: z.number(), b: z.number() }),
  handler: async ({ a, b }) => ({ sum: a + b }),
});

interface FlowContext {
  n: number;
  doubled: number | null;
  sum: number | null;
  when?: unknown;
}
const succeeded = ({ event }: { event: ChildFinishedEvent }) => event.status === 'succeeded';

/** Two sequential steps; the second uses the first's result. `breakAt` breaks a rule on purpose. */
function flowMachine(id: string, breakAt: 'none' | 'date' | 'throw' = 'none') {
  return setup({
    types: { context: {} as FlowContext, events: {} as ChildFinishedEvent, input: {} as WorkflowInput<{ n: number }> },
    actions: {
      keepDoubled: assign({ doubled: ({ event }) => (event.result as { n: number }).n }),
      keepSum: assign({ sum: ({ event }) => (event.result as { sum: number }).sum }),
      breakRule: assign(() => {
        if (breakAt === 'throw') throw new Error('boom in keepDoubled');
        return breakAt === 'date' ? { when: new Date(0) } : {};
      }),
    },
  }).createMachine({
    id,
    context: ({ input }) => ({ n: input.input.n, doubled: null, sum: null }),
    initial: 'doubling',
    states: {
      doubling: {
        entry: requestAction(({ context }) => ({ task: 'double', action: 'cwf.double', input: { n: context.n } })),
        on: { CHILD_FINISHED: [{ guard: succeeded, target: 'adding', actions: ['keepDoubled', 'breakRule'] }, { target: 'failed' }] },
      },
      adding: {
        entry: requestAction(({ context }) => ({ task: 'add', action: 'cwf.add', input: { a: context.doubled, b: 1 } })),
        on: { CHILD_FINISHED: [{ guard: succeeded, target: 'succeeded', actions: 'keepSum' }, { target: 'failed' }] },
      },
      succeeded: { type: 'final' },
      failed: { type: 'final' },
    },
    output: ({ context }) => ({ doubled: context.doubled, sum: context.sum }),
  });
}

const flow = defineWorkflow({ ref: 'cwf.flow', parameters: z.object({ n: z.number() }), machine: flowMachine('flow') });
const dated = defineWorkflow({ ref: 'cwf.dated', parameters: z.object({ n: z.number() }), machine: flowMachine('dated', 'date') });
const throwing = defineWorkflow({ ref: 'cwf.throwing', parameters: z.object({ n: z.number() }), machine: flowMachine('throwing', 'throw') });
// An actor spawned at run time (`setup({ actors })` and `invoke` are refused by defineWorkflow).
const spawning = defineWorkflow({
  ref: 'cwf.spawning',
  machine: setup({}).createMachine({
    id: 'spawning',
    initial: 'waiting',
    states: {
      waiting: {
        entry: spawnChild(fromPromise(async () => 'never awaited')),
      },
      done: { type: 'final' },
    },
  }),
});
const all: Definition[] = [double, add, flow, dated, throwing, spawning];

const opened: Attune[] = [];
const isolations: { namespace: string; schema: string }[] = [];
async function open(iso: { namespace: string; schema: string }, definitions: Definition[]): Promise<Attune> {
  const attune = await createAttune({ ...iso, logLevel: 'silent', definitions, reconciler: { everyMs: 500, staleMs: 1000 } });
  opened.push(attune);
  await attune.migrate();
  return attune;
}
function fresh(label: string) {
  const iso = isolation(label);
  isolations.push(iso);
  return iso;
}
afterAll(async () => {
  for (const a of opened) await a.stop();
  for (const iso of isolations) await dropIsolation(iso.namespace, iso.schema);
});

async function tasks(attune: Attune, id: number) {
  return probe(attune).sql<{ task_name: string; status: string; parameters: Record<string, unknown> }[]>`
    select task_name, status, parameters from execution where parent_id = ${id} order by id`;
}

describe('code-defined workflows', () => {
  it('runs two sequential steps, the second with the first result, through the real actors', async () => {
    const attune = await open(fresh('cwfrun'), all);
    await attune.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'], runtimes: ['node'] });
    expect((await attune.actions.describe('cwf.flow')).runtime).toBe('workflow');
    await expect(attune.run('cwf.flow', { n: 'five' })).rejects.toThrow(/n/);

    const e = await attune.run('cwf.flow', { n: 5 }, { wait: true, waitTimeoutMs: 30_000 });
    expect(e.status, JSON.stringify(e)).toBe('succeeded');
    expect(e.result).toEqual({ output: { doubled: 10, sum: 11 } });
    expect((await tasks(attune, e.id)).map((t) => [t.task_name, t.status, t.parameters])).toEqual([
      ['double', 'succeeded', { n: 5 }],
      ['add', 'succeeded', { a: 10, b: 1 }],
    ]);
    const [run] = await probe(attune).sql<{ state: string; steps: number }[]>`select state, steps from workflow_run where execution_id = ${e.id}`;
    expect(run).toEqual({ state: 'succeeded', steps: 3 });
    expect(await attune.workflows.show('cwf.flow')).toContain('doubling');
    expect((await attune.executions.tree(e.id))?.workflow?.ctx).toEqual({ n: 5, doubled: 10, sum: 11 });
    await expect(attune.workflows.pause(e.id)).rejects.toThrow(/succeeded/);
  });

  it('a context that is not JSON, an action that throws, or a spawned actor fails the workflow with the reason and requests nothing more', async () => {
    const attune = opened[0] as Attune;
    const d = await attune.run('cwf.dated', { n: 1 }, { wait: true, waitTimeoutMs: 30_000 });
    expect(d.status).toBe('failed');
    expect(d.status_reason).toMatch(/cwf\.dated.*context\.when is a Date, not JSON/);
    const t = await attune.run('cwf.throwing', { n: 1 }, { wait: true, waitTimeoutMs: 30_000 });
    expect(t.status).toBe('failed');
    expect(t.status_reason).toMatch(/the machine threw: boom in keepDoubled/);
    expect((await tasks(attune, t.id)).map((c) => c.task_name)).toEqual(['double']);
    const s = await attune.run('cwf.spawning', {}, { wait: true, waitTimeoutMs: 30_000 });
    expect(s.status).toBe('failed');
    expect(s.status_reason).toMatch(/the machine runs actors \(.+\); a code workflow may not invoke or spawn actors/);
  });

  it('resumes in another instance from the persisted snapshot, and a cancel ends it canceled', async () => {
    const iso = fresh('cwfrestart');
    // No worker: each workflow's first child waits, its machine persisted in `doubling`.
    const first = await open(iso, all);
    await first.start({ actors: ['scheduler', 'workflow'] });
    const kept = await first.run('cwf.flow', { n: 20 });
    const canceled = await first.run('cwf.flow', { n: 30 });
    const sql = probe(first).sql;
    await eventually('both machines persisted in doubling', async () => {
      const rows = await sql<{ state: string }[]>`select state from workflow_run where execution_id = any(${[kept.id, canceled.id]}::bigint[])`;
      return rows.length === 2 && rows.every((r) => r.state === 'doubling');
    });
    await expect(first.workflows.pause(kept.id)).rejects.toThrow(/defined in code and its machine does not handle PAUSE and RESUME/);
    await first.executions.cancel(canceled.id);
    const c = await first.executions.wait(canceled.id, { timeoutMs: 20_000 });
    expect(c.status).toBe('canceled');
    expect((await tasks(first, canceled.id)).map((k) => [k.task_name, k.status])).toEqual([['double', 'canceled']]);
    await first.stop();

    // A new instance (a new machine object, as after a restart) takes the workflow where it was.
    const second = await open(iso, all);
    await second.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'], runtimes: ['node'] });
    const done = await second.executions.wait(kept.id, { timeoutMs: 30_000 });
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.result).toEqual({ output: { doubled: 40, sum: 41 } });
    expect((await tasks(second, kept.id)).map((k) => k.task_name)).toEqual(['double', 'add']);
  });

  it('a process whose workflow actor lacks the machine fails the workflow with a reason naming the ref', async () => {
    const iso = fresh('cwfmissing');
    const definer = await open(iso, all);
    await definer.saveDefinitions();
    const bare = await open(iso, []);
    await bare.start({ actors: ['scheduler', 'workflow'] });
    const e = await definer.run('cwf.flow', { n: 1 }, { wait: true, waitTimeoutMs: 30_000 });
    expect(e.status).toBe('failed');
    expect(e.status_reason).toMatch(/workflow "cwf\.flow" is defined in code and its machine is not registered in this process/);
    expect(await tasks(definer, e.id)).toEqual([]);
  });
});

describe('defineWorkflow refuses a machine that cannot be durable', () => {
  it('names every broken rule', () => {
    const bad = setup({ actors: {} }).createMachine({
      id: 'bad',
      initial: 'a',
      states: { a: { after: { 1000: 'b' } }, b: { invoke: { src: 'x' } } },
    } as never);
    let error: unknown = null;
    try {
      defineWorkflow({ ref: 'cwf.bad', machine: bad as never });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/state a: `after`/);
    expect((error as Error).message).toMatch(/state b: `invoke`/);
    expect((error as Error).message).toMatch(/no top-level final state/);
    expect(() => defineWorkflow({ ref: 'cwf.notamachine', machine: {} as never })).toThrow(/not an xstate machine/);
    expect(() => defineWorkflow({ ref: 'nodot', machine: flowMachine('x') })).toThrow(/<pack>\.<name>/);
  });
});
