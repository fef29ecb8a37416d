/** Executions, newest first, kept live by the status feed (SSE); filters by status and action; a run form. */
import { useEffect, useState } from 'preact/hooks';
import { listen, useGet } from '../api.ts';
import { duration, runTime, time } from '../format.ts';
import { Status } from '../status.tsx';
import type { Change, Execution, Page } from '../types.ts';
import { RunForm } from './run-form.tsx';
import { Pager, StatusSelect, useCursors } from '../paging.tsx';

const statuses = ['', 'requested', 'scheduled', 'delayed', 'running', 'succeeded', 'failed', 'timeout', 'canceling', 'canceled', 'abandoned'];

/** Re-renders every second while something runs, so durations tick. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function ExecutionsPage() {
  const [status, setStatus] = useState('');
  const [action, setAction] = useState('');
  const cursors = useCursors();
  const { before } = cursors;
  const query = new URLSearchParams({
    limit: '50',
    ...(status ? { status } : {}),
    ...(action ? { action } : {}),
    ...(before ? { before: String(before) } : {}),
  });
  const list = useGet<Page<Execution>>(`/executions?${query}`);
  const [live, setLive] = useState(false);
  const items = list.data?.items ?? [];
  const known = new Set(items.map((e) => e.id));

  // Any change reloads the page of rows (one indexed query); the feed itself carries no rows.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const close = listen(
      '/events/executions',
      {
        change: (c) => {
          const change = c as Change;
          if (known.has(change.id) || (!before && (!status || change.status === status))) {
            clearTimeout(timer);
            timer = setTimeout(list.reload, 150);
          }
        },
      },
      list.reload,
      setLive,
    );
    return () => (clearTimeout(timer), close(), setLive(false));
  }, [status, action, before, items.map((e) => e.id).join()]);

  const now = useNow(items.some((e) => e.started_at && !e.finished_at));
  return (
    <>
      <h1>
        Executions <small class="hint">{live ? 'live' : 'not live, connecting…'}</small>
      </h1>
      <RunForm />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <StatusSelect statuses={statuses} value={status} onChange={(v) => (setStatus(v), cursors.reset())} />
        <label>
          Action <input value={action} placeholder="core.echo" onChange={(e) => (setAction(e.currentTarget.value.trim()), cursors.reset())} />
        </label>
      </form>
      {list.error && (
        <p role="alert" class="error">
          {list.error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>action</th>
            <th>status</th>
            <th>worker</th>
            <th>requested</th>
            <th class="num">duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-id={e.id}>
              <td>
                <a href={`#/executions/${e.id}`}>#{e.id}</a>
              </td>
              <td class="ref">{e.action_ref}</td>
              <td>
                <Status status={e.status} />
              </td>
              <td class="mono">{e.worker_id ?? ''}</td>
              <td>{time(e.requested_at)}</td>
              <td class="num">{duration(runTime(e, now))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && items.length === 0 && <p class="hint">No executions match.</p>}
      <Pager cursors={cursors} next={list.data?.next} />
    </>
  );
}
