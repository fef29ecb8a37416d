/** One rule's enforcements, newest first: what it made of each event, and why nothing ran (flow control), paged back with `before`. */
import { useState } from 'preact/hooks';
import { useGet } from '../api.ts';
import { time } from '../format.ts';
import { Status } from '../status.tsx';
import type { Enforcement, Page } from '../types.ts';
import { Pager, StatusSelect, useCursors } from '../paging.tsx';

const statuses = ['', 'created', 'failed', 'throttled', 'debounced', 'deduplicated'];

export function RulePage({ ruleRef }: { ruleRef: string }) {
  const [status, setStatus] = useState('');
  const cursors = useCursors();
  const { before } = cursors;
  const query = new URLSearchParams({ limit: '25', ...(status ? { status } : {}), ...(before ? { before: String(before) } : {}) });
  const list = useGet<Page<Enforcement>>(`/rules/${encodeURIComponent(ruleRef)}/enforcements?${query}`);
  const items = list.data?.items ?? [];
  return (
    <>
      <p>
        <a href="#/rules">← Rules</a>
      </p>
      <h1 class="ref">Enforcements of {ruleRef}</h1>
      <p class="hint">What the rule made of each event: the execution it requested, or why none ran.</p>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <StatusSelect statuses={statuses} value={status} onChange={(v) => (setStatus(v), cursors.reset())} />
      </form>
      {list.error && (
        <p role="alert" class="error">
          {list.error}
        </p>
      )}
      <table class="enforcements" aria-label="enforcements">
        <thead>
          <tr>
            <th>when</th>
            <th>status</th>
            <th>execution</th>
            <th>flow key</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-id={e.id}>
              <td title={`enforcement ${e.id}, event ${e.event_id}`}>{time(e.created_at)}</td>
              <td>
                <Status status={e.status} />
              </td>
              <td>{e.execution_id !== null && <a href={`#/executions/${e.execution_id}`}>#{e.execution_id}</a>}</td>
              <td class="ref mono">{e.flow_key ?? ''}</td>
              <td class="why">{e.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && items.length === 0 && <p class="hint">No enforcements{status ? ` with status ${status}` : ''}.</p>}
      <Pager cursors={cursors} next={list.data?.next} />
    </>
  );
}
