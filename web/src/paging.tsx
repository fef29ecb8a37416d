/** Keyset paging shared by the lists (`before` cursors, the API's `next`), and their status filter. */
import { useState } from 'preact/hooks';

/** Cursors of the pages shown before this one (`next` of each): the last is this page's `before`. */
export function useCursors() {
  const [cursors, setCursors] = useState<number[]>([]);
  return {
    before: cursors.at(-1),
    reset: () => setCursors([]),
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: (next: number) => setCursors((c) => [...c, next]),
  };
}

/** Newest / ← Newer / Older → under a list; shown only when there is more than one page. */
export function Pager({ cursors, next }: { cursors: ReturnType<typeof useCursors>; next: number | null | undefined }) {
  const { before } = cursors;
  if (!before && !next) return null;
  return (
    <nav class="toolbar pager" aria-label="pages">
      <button type="button" class="quiet" disabled={!before} onClick={cursors.reset}>
        Newest
      </button>
      <button type="button" class="quiet" disabled={!before} onClick={cursors.newer}>
        ← Newer
      </button>
      <button type="button" class="quiet" disabled={!next} onClick={() => next && cursors.older(next)}>
        Older →
      </button>
    </nav>
  );
}

/** A status filter (`''` is any); a change goes back to the first page. */
export function StatusSelect({ statuses, value, onChange }: { statuses: readonly string[]; value: string; onChange: (status: string) => void }) {
  return (
    <label>
      Status{' '}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {statuses.map((s) => (
          <option value={s}>{s || 'any'}</option>
        ))}
      </select>
    </label>
  );
}
