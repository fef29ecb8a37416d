/** Plain-text tables and execution lines for the CLI. */
import type { ExecutionRow } from '../index.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? '';
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

export function durationMs(e: ExecutionRow): number | null {
  return e.finished_at ? e.finished_at.getTime() - e.requested_at.getTime() : null;
}

/** One line per finished execution, as `npm start` prints them. */
export function executionLine(e: ExecutionRow): string {
  const out = typeof e.result?.stdout === 'string' ? e.result.stdout.trim() : '';
  const took = durationMs(e);
  const mark = e.status === 'succeeded' ? 'ok  ' : 'FAIL';
  const detail = e.status === 'succeeded' ? out : (e.status_reason ?? out);
  return `${mark} execution ${e.id} ${e.action_ref} ${e.status}${took === null ? '' : ` in ${took} ms`}${detail ? `: ${detail}` : ''}`;
}
