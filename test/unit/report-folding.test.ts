import { describe, expect, it } from 'vitest';
import type { ReportedStatus } from '../../src/domain/execution-lifecycle.ts';
import { foldReports, type ReportUpdate, type StatusReport } from '../../src/domain/report-folding.ts';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:00:01.000Z';
const T2 = '2025-01-01T00:00:02.000Z';

function report(executionId: number, status: ReportedStatus, at: string, extra: Partial<StatusReport> = {}): StatusReport {
  return { executionId, status, workerId: 'w1', at, ...extra };
}

/** The update folding should produce, with every column not named null. */
function update(id: number, status: ReportedStatus, extra: Partial<ReportUpdate> = {}): ReportUpdate {
  return {
    id,
    status,
    worker_id: 'w1',
    started_at: null,
    finished_at: null,
    result: null,
    exit_code: null,
    stdout: null,
    stderr: null,
    reason: null,
    ...extra,
  };
}

const cases: { name: string; reports: StatusReport[]; expected: ReportUpdate[] }[] = [
  { name: 'no reports, no updates', reports: [], expected: [] },
  {
    name: 'running alone: its time is started_at, nothing finished',
    reports: [report(1, 'running', T0)],
    expected: [update(1, 'running', { started_at: T0 })],
  },
  {
    name: 'terminal beats running, and keeps the running report’s started_at',
    reports: [report(1, 'running', T0), report(1, 'succeeded', T1, { result: { ok: true }, exitCode: 0, stdout: 'hi\n', stderr: '' })],
    expected: [update(1, 'succeeded', { started_at: T0, finished_at: T1, result: { ok: true }, exit_code: 0, stdout: 'hi\n', stderr: '' })],
  },
  {
    name: 'a running that arrives after the outcome does not undo it',
    reports: [report(1, 'succeeded', T1, { startedAt: T0 }), report(1, 'running', T0)],
    expected: [update(1, 'succeeded', { started_at: T0, finished_at: T1 })],
  },
  {
    name: 'the first terminal report wins over a later one',
    reports: [report(1, 'succeeded', T1), report(1, 'abandoned', T2, { workerId: 'w2', reason: 'worker lost' })],
    expected: [update(1, 'succeeded', { finished_at: T1 })],
  },
  {
    name: 'an outcome’s own startedAt beats an earlier running report’s time',
    reports: [report(1, 'running', T0), report(1, 'failed', T2, { startedAt: T1, reason: 'exit 1', exitCode: 1 })],
    expected: [update(1, 'failed', { started_at: T1, finished_at: T2, reason: 'exit 1', exit_code: 1 })],
  },
  {
    name: 'a fast outcome carries startedAt without a running report',
    reports: [report(1, 'timeout', T2, { startedAt: T0, reason: 'timed out' })],
    expected: [update(1, 'timeout', { started_at: T0, finished_at: T2, reason: 'timed out' })],
  },
  {
    name: 'two running reports: the later one’s time (the stored row keeps a started_at it already has)',
    reports: [report(1, 'running', T0), report(1, 'running', T1)],
    expected: [update(1, 'running', { started_at: T1 })],
  },
  {
    name: 'executions fold apart, in the order they first appear',
    reports: [report(2, 'running', T0), report(1, 'canceled', T1, { reason: 'canceled' }), report(2, 'succeeded', T2)],
    expected: [update(2, 'succeeded', { started_at: T0, finished_at: T2 }), update(1, 'canceled', { finished_at: T1, reason: 'canceled' })],
  },
  {
    name: 'the winning report names the worker (a claimer that reports abandoned first)',
    reports: [report(1, 'abandoned', T1, { workerId: 'w2' }), report(1, 'succeeded', T2)],
    expected: [update(1, 'abandoned', { worker_id: 'w2', finished_at: T1 })],
  },
];

describe('foldReports', () => {
  it.each(cases)('$name', ({ reports, expected }) => {
    expect(foldReports(reports)).toEqual(expected);
  });

  it('does not change its input', () => {
    const reports = [report(1, 'running', T0), report(1, 'succeeded', T1)];
    const copy = structuredClone(reports);
    foldReports(reports);
    expect(reports).toEqual(copy);
  });
});
