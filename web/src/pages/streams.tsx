/** Streams: length, and per consumer group the pending count and lag (refreshed every few seconds). */
import { useEffect } from 'preact/hooks';
import { useGet } from '../api.ts';
import type { Page } from '../types.ts';

interface Stream {
  stream: string;
  type: string;
  length: number;
  groups: { name: string; consumers: number; pending: number; lag: number | null }[];
}

/** Calls `reload` every `ms` while the page is shown. */
export function useRefresh(reload: () => void, ms = 3000): void {
  useEffect(() => {
    const t = setInterval(reload, ms);
    return () => clearInterval(t);
  }, [reload, ms]);
}

export function StreamsPage() {
  const streams = useGet<Page<Stream>>('/streams');
  useRefresh(streams.reload);
  return (
    <>
      <h1>Streams</h1>
      {streams.error && (
        <p role="alert" class="error">
          {streams.error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>stream</th>
            <th class="num">length</th>
            <th>group</th>
            <th class="num">consumers</th>
            <th class="num">pending</th>
            <th class="num">lag</th>
          </tr>
        </thead>
        <tbody>
          {(streams.data?.items ?? []).flatMap((s) =>
            (s.groups.length > 0 ? s.groups : [null]).map((g, i) => (
              <tr key={`${s.stream}/${g?.name ?? ''}`}>
                <td class="mono">{i === 0 ? s.type : ''}</td>
                <td class="num">{i === 0 ? s.length : ''}</td>
                <td class="mono">{g?.name ?? '—'}</td>
                <td class="num">{g?.consumers ?? ''}</td>
                <td class={`num ${g && g.pending > 0 ? 'warn' : ''}`}>{g?.pending ?? ''}</td>
                <td class={`num ${g && (g.lag ?? 0) > 0 ? 'warn' : ''}`}>{g ? (g.lag ?? 'unknown') : ''}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </>
  );
}
