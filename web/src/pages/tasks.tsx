/** A workflow's tasks (its child executions) in the order they were started, each with its task name. */
import { duration, runTime } from '../format.ts';
import { Status } from '../status.tsx';
import type { Execution } from '../types.ts';

export function Tasks({ items, now }: { items: Execution[]; now: number }) {
  if (items.length === 0) return null;
  const ordered = [...items].sort((a, b) => a.id - b.id);
  const workflow = items.some((c) => c.task_name);
  return (
    <>
      <h2>{workflow ? 'Tasks' : 'Children'}</h2>
      <table aria-label={workflow ? 'tasks' : 'children'}>
        <thead>
          <tr>
            {workflow && <th>task</th>}
            <th>execution</th>
            <th>action</th>
            <th>status</th>
            <th class="num">duration</th>
          </tr>
        </thead>
        <tbody>
          {ordered.map((c) => (
            <tr key={c.id} data-id={c.id}>
              {workflow && (
                <td class="ref">
                  {c.task_name ?? ''}
                  {c.item_index != null ? <span class="hint"> [{c.item_index}]</span> : null}
                </td>
              )}
              <td>
                <a href={`#/executions/${c.id}`}>#{c.id}</a>
              </td>
              <td class="ref">{c.action_ref}</td>
              <td>
                <Status status={c.status} />
              </td>
              <td class="num">{duration(runTime(c, now))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
