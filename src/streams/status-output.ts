/**
 * Bounded status reports, unbounded outputs. The worker sends stdout and stderr once (the
 * `result` goes without its copies of them: `resultOutput`), and an outcome whose report would be
 * over `INLINE_MAX_BYTES` is written to a Redis hash first (`executionOutput(id)`, with the TTL of
 * the other per-execution keys) while the report carries only `outputStored`. The manager puts
 * both back before it folds the batch, stores the whole in Postgres, then deletes the hashes.
 * Workers keep needing only Redis, and no message comes near `maxPayloadBytes`.
 */
import type { Redis } from 'ioredis';
import { EXECUTION_KEY_TTL_S } from '../domain/execution-lifecycle.ts';
import type { KeyCatalog } from './catalog.ts';
import type { ExecutionStatusReport } from './messages.ts';

/** A report bigger than this (JSON bytes) stores its output beside the stream. */
export const INLINE_MAX_BYTES = 64 * 1024;

type Report = ExecutionStatusReport;

/** The report as it is sent: output once, and out of the message when it is big. */
export async function boundReport(redis: Redis, keys: KeyCatalog, report: Report, inlineMax = INLINE_MAX_BYTES): Promise<Report> {
  let slim = report;
  const r = report.result;
  if (r && r.stdout === report.stdout && r.stderr === report.stderr && r.exit_code === (report.exitCode ?? null)) {
    const { stdout: _o, stderr: _e, exit_code: _x, ...rest } = r;
    slim = { ...report, result: rest, resultOutput: true };
  }
  const size = (s: string | null | undefined) => (s ? s.length * 3 : 0); // UTF-8 bytes, at most
  if (size(JSON.stringify(slim.result ?? null)) + size(slim.stdout) + size(slim.stderr) <= inlineMax) return slim;
  const key = keys.executionOutput(report.executionId);
  await redis
    .multi()
    .hset(key, 'result', JSON.stringify(slim.result ?? null), 'stdout', slim.stdout ?? '', 'stderr', slim.stderr ?? '')
    .expire(key, EXECUTION_KEY_TTL_S)
    .exec();
  return { ...slim, result: null, stdout: null, stderr: null, outputStored: true };
}

/** The reports as they were before `boundReport`: stored outputs fetched, stdout and stderr back in `result`. */
export async function restoreReports(redis: Redis, keys: KeyCatalog, reports: readonly Report[]): Promise<Report[]> {
  return Promise.all(
    reports.map(async (report) => {
      let full = report;
      if (report.outputStored) {
        const stored = await redis.hgetall(keys.executionOutput(report.executionId));
        full =
          stored.result === undefined
            ? { ...report, reason: report.reason ?? 'the output of this execution was stored in Redis and is gone (expired, or Redis lost it)' }
            : { ...report, result: JSON.parse(stored.result) as Record<string, unknown> | null, stdout: stored.stdout ?? '', stderr: stored.stderr ?? '' };
      }
      if (full.resultOutput && full.result) {
        full = { ...full, result: { ...full.result, stdout: full.stdout ?? '', stderr: full.stderr ?? '', exit_code: full.exitCode ?? null } };
      }
      return full;
    }),
  );
}

/** Deletes the stored outputs of these reports (they are in Postgres now). */
export async function forgetStoredOutputs(redis: Redis, keys: KeyCatalog, reports: readonly Report[]): Promise<void> {
  const stored = reports.filter((r) => r.outputStored).map((r) => keys.executionOutput(r.executionId));
  if (stored.length > 0) await redis.del(...stored);
}
