/** Registered workers: liveness, load, runtimes. */
import { useGet } from '../api.ts';
import { duration } from '../format.ts';
import type { Page } from '../types.ts';
import { useRefresh } from './streams.tsx';

interface Worker {
  id: string;
  host: string;
  pid: number;
  version: string;
  runtimes: string[];
  concurrency: number;
  running: number;
  live: boolean;
  silentMs: number;
}

export function WorkersPage() {
  const workers = useGet<Page<Worker>>('/workers');
  useRefresh(workers.reload);
  return (
    <>
      <h1>Workers</h1>
      {workers.error && (
        <p role="alert" class="error">
          {workers.error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>worker</th>
            <th>state</th>
            <th class="num">running / slots</th>
            <th>runtimes</th>
            <th>host · pid · version</th>
            <th class="num">last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {(workers.data?.items ?? []).map((w) => (
            <tr key={w.id}>
              <td class="mono">{w.id}</td>
              <td>
                <span class={`status ${w.live ? 's-succeeded' : 's-failed'}`}>{w.live ? 'live' : 'silent'}</span>
              </td>
              <td class="num">
                {w.running} / {w.concurrency}
              </td>
              <td>{w.runtimes.join(', ')}</td>
              <td>
                {w.host} · {w.pid} · {w.version}
              </td>
              <td class="num">{duration(w.silentMs)} ago</td>
            </tr>
          ))}
        </tbody>
      </table>
      {workers.data?.items.length === 0 && <p class="hint">No workers registered.</p>}
    </>
  );
}
