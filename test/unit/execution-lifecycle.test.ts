import { describe, expect, it } from 'vitest';
import { allowedFrom, canTransition, isTerminal, terminalStatuses } from '../../src/domain/execution-lifecycle.ts';
import { executionStatuses, type ExecutionStatus } from '../../src/streams/messages.ts';

// The full table, written out independently of the implementation: from → allowed targets.
const expected: Record<ExecutionStatus, ExecutionStatus[]> = {
  requested: ['scheduled', 'delayed', 'failed', 'canceling', 'canceled'],
  delayed: ['requested', 'scheduled', 'failed', 'canceling', 'canceled'],
  scheduled: ['running', 'succeeded', 'failed', 'timeout', 'abandoned', 'canceling', 'canceled'],
  running: ['succeeded', 'failed', 'timeout', 'abandoned', 'canceling', 'canceled'],
  canceling: ['canceled', 'succeeded', 'failed', 'timeout', 'abandoned'],
  succeeded: [],
  failed: [],
  timeout: [],
  canceled: [],
  abandoned: [],
};

describe('execution state machine', () => {
  const pairs = executionStatuses.flatMap((from) => executionStatuses.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(expected[from].includes(to));
  });

  it('terminal states never change', () => {
    for (const s of terminalStatuses) {
      expect(isTerminal(s)).toBe(true);
      expect(executionStatuses.filter((to) => canTransition(s, to))).toEqual([]);
    }
    expect(isTerminal('running')).toBe(false);
  });

  it('allowedFrom is the inverse of the table (the where-clause of conditional updates)', () => {
    for (const to of executionStatuses) {
      const fromTable = executionStatuses.filter((from) => expected[from].includes(to));
      expect(allowedFrom(to).sort()).toEqual(fromTable.sort());
    }
  });

  it('a late `running` after `succeeded` is not applied, a `succeeded` overtaking `running` is', () => {
    expect(allowedFrom('running')).not.toContain('succeeded');
    expect(allowedFrom('succeeded')).toContain('scheduled');
  });
});
