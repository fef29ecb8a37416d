/** Small display helpers shared by the pages. */

export const terminal = new Set(['succeeded', 'failed', 'timeout', 'canceled', 'abandoned']);

export function duration(ms: number | null | undefined): string {
  if (ms == null || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The time of day; with the date too when it is not today (a list can reach back days). */
export function time(iso: string | null | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  return at.toDateString() === new Date().toDateString() ? at.toLocaleTimeString() : at.toLocaleString();
}

export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** running → now − started; ended → finished − started. */
export function runTime(e: { started_at: string | null; finished_at: string | null }, now: number): number | null {
  if (!e.started_at) return null;
  return (e.finished_at ? Date.parse(e.finished_at) : now) - Date.parse(e.started_at);
}

export const json = (v: unknown): string => JSON.stringify(v, null, 2);
