/**
 * The pure steps of a running workflow, on a JSON context (it is persisted with every step):
 * start tasks, launch child executions (requests in `outbox`), apply a finished child (retry,
 * next item, task completion, transitions, publish, join). Never throws: a template that fails
 * at run time fails the workflow with the task and field named in `errors`.
 */
import { evaluateCondition, renderTemplates } from '../rules/template.ts';
import type { TaskDef, WorkflowDef } from './definition.ts';
import { inboundCounts, startTasks } from './validate.ts';

/** A child execution the workflow asks for; `seq` is unique per workflow (the idempotency key). */
export interface ChildRequest {
  seq: number;
  task: string;
  item: number | null;
  attempt: number;
  action: string;
  input: Record<string, unknown>;
  timeoutMs: number | null;
  /** A retry's wait before it starts (`retry.delay`); absent or 0: at once. */
  delayMs?: number;
}

export interface TaskRun {
  items: unknown[] | null;
  launched: number;
  /** seq → the item and attempt of a child not yet finished. */
  running: Record<string, { item: number | null; attempt: number }>;
  results: unknown[];
  statuses: string[];
  done: number;
}

export interface WorkflowContext {
  /** The workflow execution (`{{ workflow.id }}`, `{{ workflow.trace }}` in templates). */
  workflow: { id: number; trace: string };
  input: Record<string, unknown>;
  /** `vars`, then what transitions publish. */
  ctx: Record<string, unknown>;
  seq: number;
  active: Record<string, TaskRun>;
  /** Tasks whose start was asked for, in order (one run per task at a time). */
  ready: string[];
  arrivals: Record<string, number>;
  /** Set by `fail` / `succeed`, a failed task no transition handled, or an error: nothing new starts. */
  outcome: 'succeeded' | 'failed' | null;
  errors: string[];
  /** The last outcome of each task, for `execution get --tree`. */
  tasks: Record<string, { status: string; runs: number }>;
  /** Children requested by the latest event (the effect layer inserts them in the same transaction). */
  outbox: ChildRequest[];
  output: Record<string, unknown> | null;
}

export interface ChildFinished {
  seq: number;
  status: string;
  result: unknown;
}

function fail(c: WorkflowContext, message: string): void {
  c.outcome = 'failed';
  c.errors.push(message);
}

function guarded(c: WorkflowContext, f: () => void): void {
  try {
    f();
  } catch (err) {
    fail(c, err instanceof Error ? err.message : String(err));
  }
}

/** What every template sees: `input`, `ctx`, `workflow`. */
function scopeOf(c: WorkflowContext, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { input: c.input, ctx: c.ctx, workflow: c.workflow, ...more };
}

/** Where a rerun starts (`rerun-seed.ts`): a task, with the original's context as it ended. */
export interface StartSeed {
  from_task: string;
  ctx: Record<string, unknown>;
  arrivals: Record<string, number>;
  tasks: Record<string, { status: string; runs: number }>;
}

export function initialContext(
  def: WorkflowDef,
  input: Record<string, unknown>,
  workflow: { id: number; trace: string },
  seed: StartSeed | null = null,
): WorkflowContext {
  const c: WorkflowContext = {
    workflow,
    input,
    ctx: {},
    seq: 0,
    active: {},
    ready: [],
    arrivals: {},
    outcome: null,
    errors: [],
    tasks: {},
    outbox: [],
    output: null,
  };
  if (seed) {
    Object.assign(c, { ctx: seed.ctx, arrivals: seed.arrivals, tasks: seed.tasks, ready: [seed.from_task] });
    return c;
  }
  guarded(c, () => {
    for (const [key, value] of Object.entries(def.vars)) c.ctx[key] = renderTemplates(value, scopeOf(c), `vars.${key}`);
  });
  c.ready.push(...startTasks(def));
  return c;
}

/** The wait before attempt `attempt + 1`: `delay × factor^(attempt − 1)`, at most `max`; deterministic, so a replayed step asks the same. */
export function retryDelayMs(retry: NonNullable<TaskDef['retry']>, attempt: number): number {
  if (!retry.delay) return 0;
  return Math.min(retry.max ?? Number.POSITIVE_INFINITY, Math.round(retry.delay * (retry.factor ?? 1) ** (attempt - 1)));
}

function launch(def: WorkflowDef, c: WorkflowContext, name: string, run: TaskRun, item: number | null, attempt: number, delayMs = 0): void {
  const task = def.tasks[name] as TaskDef;
  const scope = scopeOf(c, { item: item === null ? null : run.items?.[item], index: item });
  const input = renderTemplates(task.input, scope, `tasks.${name}.input`) as Record<string, unknown>;
  const seq = ++c.seq;
  run.running[seq] = { item, attempt };
  const timeoutMs = task.timeout ? Math.round(task.timeout * 1000) : null;
  c.outbox.push({ seq, task: name, item, attempt, action: task.action ?? '', input, timeoutMs, ...(delayMs > 0 ? { delayMs } : {}) });
}

function startTask(def: WorkflowDef, c: WorkflowContext, name: string): void {
  const task = def.tasks[name] as TaskDef;
  let items: unknown[] | null = null;
  if (task.with) {
    const raw = renderTemplates(task.with.items, scopeOf(c), `tasks.${name}.with.items`);
    if (!Array.isArray(raw)) throw new Error(`task "${name}" field with.items: not a list (${JSON.stringify(raw)})`);
    items = raw;
  }
  c.active[name] = { items, launched: 0, running: {}, results: [], statuses: [], done: 0 };
  if (!task.action) completeTask(def, c, name, 'succeeded', null);
  else if (items?.length === 0) completeTask(def, c, name, 'succeeded', []);
}

/** Launches what may run now: items up to the task's concurrency, then tasks that are ready. */
export function pump(def: WorkflowDef, c: WorkflowContext): void {
  guarded(c, () => {
    if (c.outcome) return;
    for (const [name, run] of Object.entries(c.active)) {
      const task = def.tasks[name] as TaskDef;
      if (!task.action) continue;
      const total = run.items?.length ?? 1;
      const limit = task.with?.concurrency ?? total;
      while (run.launched < total && Object.keys(run.running).length < limit) {
        launch(def, c, name, run, run.items ? run.launched : null, 1);
        run.launched += 1;
      }
    }
    const waiting = c.ready.filter((name) => c.active[name]);
    const startable = [...new Set(c.ready.filter((name) => !c.active[name]))];
    c.ready = waiting;
    for (const name of startable) startTask(def, c, name);
    if (startable.length > 0) pump(def, c);
  });
}

function arrive(def: WorkflowDef, c: WorkflowContext, target: string): void {
  if (target === 'fail') return fail(c, 'a transition asked the workflow to fail');
  if (target === 'succeed') {
    c.outcome ??= 'succeeded';
    return;
  }
  const join = def.tasks[target]?.join;
  if (join === undefined) return void c.ready.push(target);
  const needed = join === 'all' ? (inboundCounts(def)[target] ?? 1) : join;
  c.arrivals[target] = (c.arrivals[target] ?? 0) + 1;
  if ((c.arrivals[target] ?? 0) < needed) return;
  c.arrivals[target] = 0;
  c.ready.push(target);
}

function completeTask(def: WorkflowDef, c: WorkflowContext, name: string, status: string, result: unknown): void {
  const task = def.tasks[name] as TaskDef;
  delete c.active[name];
  c.tasks[name] = { status, runs: (c.tasks[name]?.runs ?? 0) + 1 };
  const scope = scopeOf(c, { result, status, succeeded: status === 'succeeded', failed: status !== 'succeeded' });
  let handled = false;
  task.next.forEach((n, i) => {
    if (n.when && !evaluateCondition(n.when, scope, `tasks.${name}.next[${i}].when`)) return;
    handled = true;
    for (const [key, value] of Object.entries(n.publish)) c.ctx[key] = renderTemplates(value, scope, `tasks.${name}.next[${i}].publish.${key}`);
    for (const target of n.do) arrive(def, c, target);
  });
  if (status !== 'succeeded' && !handled) fail(c, `task "${name}" ${status} and no transition handles it`);
}

/** A finished child; one the context does not wait for (already applied) changes nothing. */
export function applyChild(def: WorkflowDef, c: WorkflowContext, ev: ChildFinished, stopping: boolean): void {
  guarded(c, () => {
    const name = Object.keys(c.active).find((n) => c.active[n]?.running[ev.seq]);
    const run = name ? c.active[name] : undefined;
    if (!name || !run) return;
    const { item, attempt } = run.running[ev.seq] as { item: number | null; attempt: number };
    delete run.running[ev.seq];
    const task = def.tasks[name] as TaskDef;
    const scope = scopeOf(c, {
      ...{ result: ev.result, status: ev.status, succeeded: ev.status === 'succeeded', failed: ev.status !== 'succeeded' },
      ...{ item: item === null ? null : run.items?.[item], index: item },
    });
    const retry = task.retry;
    const halted = stopping || c.outcome !== null;
    const failed = ev.status !== 'succeeded' && ev.status !== 'canceled';
    if (!halted && failed && retry && attempt <= retry.count && (!retry.when || evaluateCondition(retry.when, scope, `tasks.${name}.retry.when`))) {
      return launch(def, c, name, run, item, attempt + 1, retryDelayMs(retry, attempt));
    }
    run.results[item ?? 0] = ev.result;
    run.statuses[item ?? 0] = ev.status;
    run.done += 1;
    const total = run.items?.length ?? 1;
    if (run.done < total && !(halted && Object.keys(run.running).length === 0)) return;
    if (halted) {
      delete c.active[name];
      c.tasks[name] = { status: stopping ? 'canceled' : ev.status, runs: (c.tasks[name]?.runs ?? 0) + 1 };
      return;
    }
    const status = run.statuses.every((s) => s === 'succeeded') && run.done === total ? 'succeeded' : 'failed';
    completeTask(def, c, name, status, run.items ? run.results : run.results[0]);
  });
}

/** Nothing runs and nothing more will start. */
export function isIdle(c: WorkflowContext): boolean {
  return Object.keys(c.active).length === 0 && (c.ready.length === 0 || c.outcome !== null);
}

export function renderOutput(def: WorkflowDef, c: WorkflowContext): void {
  guarded(c, () => {
    c.output = renderTemplates(def.output, scopeOf(c), 'output') as Record<string, unknown>;
  });
}
