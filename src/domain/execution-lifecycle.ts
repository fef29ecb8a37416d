/**
 * The execution state machine, as a pure transition table:
 *
 *   requested → scheduled → running → succeeded | failed | timeout
 *   plus delayed (policy), canceling → canceled, and abandoned (worker lost).
 *
 * `delayed` is a policy's hold: a retry is born `delayed` with `not_before` (its backoff), a
 * concurrency or rate limit moves a `requested` one there; when its time or slot comes it goes back
 * to `requested` (`src/db/execution-store-policies.ts`, docs/policies.md).
 *
 * Reports can arrive late, twice or out of order (a `running` after `succeeded`): a transition
 * that is not allowed is simply not applied. Terminal states never change. The one writer of
 * execution rows (`src/db/execution-store.ts`) takes the `where status = any(…)` of every
 * conditional update from here; the wire schemas (`src/streams/messages.ts`) take the statuses.
 */

export const executionStatuses = [
  'requested',
  'scheduled',
  'delayed',
  'running',
  'succeeded',
  'failed',
  'timeout',
  'canceling',
  'canceled',
  'abandoned',
] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** The statuses a worker reports on `execution.status`. */
export const reportedStatuses = ['running', 'succeeded', 'failed', 'timeout', 'canceled', 'abandoned'] as const satisfies readonly ExecutionStatus[];
export type ReportedStatus = (typeof reportedStatuses)[number];

export const terminalStatuses = ['succeeded', 'failed', 'timeout', 'canceled', 'abandoned'] as const satisfies readonly ExecutionStatus[];

const outcomes = ['succeeded', 'failed', 'timeout', 'abandoned'] as const;

export const transitions: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  requested: ['scheduled', 'delayed', 'failed', 'canceling', 'canceled'],
  delayed: ['requested', 'scheduled', 'failed', 'canceling', 'canceled'],
  // A worker's final report may overtake its `running` report.
  scheduled: ['running', ...outcomes, 'canceling', 'canceled'],
  running: [...outcomes, 'canceling', 'canceled'],
  canceling: ['canceled', ...outcomes],
  succeeded: [],
  failed: [],
  timeout: [],
  canceled: [],
  abandoned: [],
};

export function isTerminal(status: ExecutionStatus): boolean {
  return (terminalStatuses as readonly ExecutionStatus[]).includes(status);
}

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return transitions[from].includes(to);
}

const allowedFromCache = new Map<ExecutionStatus, ExecutionStatus[]>(
  executionStatuses.map((to) => [to, executionStatuses.filter((from) => canTransition(from, to))]),
);

/** The states from which `to` may be entered: the `where status = any(…)` of a conditional update. */
export function allowedFrom(to: ExecutionStatus): ExecutionStatus[] {
  return [...(allowedFromCache.get(to) ?? [])];
}

/**
 * The `from` set of one writer's transition into `to`: the table's, or a deliberately narrower
 * subset (a writer that decided on a row it read in `requested` must not move it from elsewhere).
 * Throws when `narrower` names a state the table does not allow, so that a change of the table
 * that contradicts a writer fails when that writer's module loads, not silently in SQL.
 */
export function transitionFrom(to: ExecutionStatus, narrower?: readonly ExecutionStatus[]): ExecutionStatus[] {
  const allowed = allowedFrom(to);
  if (!narrower) return allowed;
  const outside = narrower.filter((s) => !allowed.includes(s));
  if (outside.length > 0) throw new Error(`the execution lifecycle does not allow ${outside.join(', ')} → ${to}`);
  return [...narrower];
}

/**
 * How long the per-execution Redis keys (the worker's claim, the cancel marker) live: longer than
 * any stream entry of that execution could still be delivered.
 */
export const EXECUTION_KEY_TTL_S = 7 * 24 * 3600;

/**
 * The value of an execution's claim key: the id of the worker that took it and its life (one
 * process start), so that a worker with a stable id tells a previous life's claim from its own.
 */
export function claimValue(workerId: string, life: string): string {
  return `${workerId}@${life}`;
}

/** The worker and life of a claim value (`life` null: a claim taken before lives were recorded). */
export function parseClaim(value: string): { workerId: string; life: string | null } {
  const at = value.lastIndexOf('@');
  return at < 0 ? { workerId: value, life: null } : { workerId: value.slice(0, at), life: value.slice(at + 1) };
}
