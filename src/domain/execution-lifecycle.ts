/**
 * The execution state machine, as a pure transition table:
 *
 *   requested → scheduled → running → succeeded | failed | timeout
 *   plus delayed (policy), canceling → canceled, and abandoned (worker lost).
 *
 * Reports can arrive late, twice or out of order (a `running` after `succeeded`): a transition
 * that is not allowed is simply not applied. Terminal states never change.
 */
import type { ExecutionStatus } from '../streams/messages.ts';
import { executionStatuses } from '../streams/messages.ts';

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
  return allowedFromCache.get(to) ?? [];
}

/** Where the timestamp of entering a state is stored. */
export function timestampColumn(status: ExecutionStatus): 'scheduled_at' | 'started_at' | 'finished_at' | null {
  if (status === 'scheduled') return 'scheduled_at';
  if (status === 'running') return 'started_at';
  if (isTerminal(status)) return 'finished_at';
  return null;
}
