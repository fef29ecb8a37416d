/** Dead letters: why each message died; put it back on its stream (replay) or drop it. */
import { useAction, useGet } from '../api.ts';
import { dateTime } from '../format.ts';
import type { Page } from '../types.ts';

interface DeadLetter {
  id: string;
  at: string;
  origin: string;
  originType: string;
  group: string;
  error: string;
  deliveries: number;
}

export function DeadLettersPage() {
  const dead = useGet<Page<DeadLetter>>('/dead-letters?limit=200');
  const act = useAction(dead.reload);
  const items = dead.data?.items ?? [];
  const both = (verb: 'replay' | 'drop', ids: string[] | 'all') => void act.run('POST', `/dead-letters/${verb}`, { ids });
  return (
    <>
      <h1>Dead letters</h1>
      {(dead.error ?? act.error) && (
        <p role="alert" class="error">
          {dead.error ?? act.error}
        </p>
      )}
      {items.length > 0 && (
        <div class="toolbar">
          <button type="button" disabled={act.busy} onClick={() => both('replay', 'all')}>
            Replay all
          </button>
          <button type="button" class="danger" disabled={act.busy} onClick={() => confirm(`Drop all ${items.length} dead letters?`) && both('drop', 'all')}>
            Drop all
          </button>
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>when</th>
            <th>from</th>
            <th>why</th>
            <th class="num">deliveries</th>
            <th>
              <span class="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-id={d.id}>
              <td class="mono">{d.id}</td>
              <td>{dateTime(d.at)}</td>
              <td class="mono">
                {d.originType} <span class="hint">{d.group}</span>
              </td>
              <td class="why">{d.error}</td>
              <td class="num">{d.deliveries}</td>
              <td>
                <div class="toolbar">
                  <button type="button" disabled={act.busy} onClick={() => both('replay', [d.id])} aria-label={`Replay ${d.id}`}>
                    Replay
                  </button>
                  <button type="button" class="danger" disabled={act.busy} onClick={() => both('drop', [d.id])} aria-label={`Drop ${d.id}`}>
                    Drop
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dead.data && items.length === 0 && <p class="hint">No dead letters.</p>}
    </>
  );
}
