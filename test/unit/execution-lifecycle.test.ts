import { describe, expect, it } from 'vitest';
import {
  allowedFrom,
  canTransition,
  executionStatuses,
  isTerminal,
  terminalStatuses,
  transitionFrom,
  type ExecutionStatus,
} from '../../src/domain/execution-lifecycle.ts';

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

  it('transitionFrom gives the table, or a narrower subset, and refuses a state the table does not allow', () => {
    expect(transitionFrom('failed').sort()).toEqual(allowedFrom('failed').sort());
    expect(transitionFrom('failed', ['requested'])).toEqual(['requested']);
    expect(() => transitionFrom('canceling', ['canceling'])).toThrow('the execution lifecycle does not allow canceling → canceling');
    expect(() => transitionFrom('scheduled', ['requested', 'running'])).toThrow('does not allow running → scheduled');
  });

  it('allowedFrom hands out a copy: the table cannot be changed through it', () => {
    allowedFrom('failed').push('succeeded');
    expect(allowedFrom('failed')).not.toContain('succeeded');
  });
});
