/**
 * The manager's decision for one batch of `execution.status` reports: one row update per
 * execution. Pure; the execution store applies the updates with conditional `where status = any(…)`.
 */
import { isTerminal, type ReportedStatus } from './execution-lifecycle.ts';

/** What folding reads of a report; the wire schema `executionStatusReport` produces exactly this. */
export interface StatusReport {
  executionId: number;
  status: ReportedStatus;
  workerId: string;
  /** When the worker sent it (ISO). */
  at: string;
  /** When the action started (a fast action's outcome carries it: no separate `running` report). */
  startedAt?: string | null;
  result?: Record<string, unknown> | null;
  exitCode?: number | null;
  stdout?: string | null;
  stderr?: string | null;
  reason?: string | null;
}

/** One execution's reports of a batch, folded: the row update to apply (column names as in `execution`). */
export interface ReportUpdate {
  id: number;
  status: ReportedStatus;
  worker_id: string;
  started_at: string | null;
  finished_at: string | null;
  result: Record<string, unknown> | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  reason: string | null;
}

/**
 * Folds the reports of a batch into one update per execution, in the order of first appearance:
 * a terminal report wins over `running`, and the first terminal report wins over later ones
 * (terminal states never change: an `abandoned` sent after a `succeeded` by a worker that claimed
 * a dead worker's entry loses). A `running` report's time becomes `started_at`, and is kept when
 * a later outcome of the same batch carries no `startedAt` of its own.
 */
export function foldReports(reports: readonly StatusReport[]): ReportUpdate[] {
  const byId = new Map<number, ReportUpdate>();
  for (const r of reports) {
    const prev = byId.get(r.executionId);
    if (prev && isTerminal(prev.status)) continue;
    const terminal = isTerminal(r.status);
    byId.set(r.executionId, {
      id: r.executionId,
      status: r.status,
      worker_id: r.workerId,
      started_at: r.startedAt ?? (r.status === 'running' ? r.at : (prev?.started_at ?? null)),
      finished_at: terminal ? r.at : null,
      result: r.result ?? null,
      exit_code: r.exitCode ?? null,
      stdout: r.stdout ?? null,
      stderr: r.stderr ?? null,
      reason: r.reason ?? null,
    });
  }
  return [...byId.values()];
}
