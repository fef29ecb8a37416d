/** One execution: status, parameters (secrets come masked from the API), result, live output, timeline, children. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { listen, useAction, useGet } from '../api.ts';
import { dateTime, duration, json, runTime, terminal } from '../format.ts';
import { Status } from '../status.tsx';
import type { Change, Execution, Page } from '../types.ts';
import { useNow } from './executions.tsx';
import { Tasks } from './tasks.tsx';

interface Line {
  id: string;
  fd: 'stdout' | 'stderr';
  data: string;
}

function LiveOutput({ id, stored }: { id: number; stored: string | null }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [ended, setEnded] = useState(false);
  useEffect(() => {
    setLines([]);
    setEnded(false);
    return listen(`/executions/${id}/output`, {
      output: (l) => setLines((all) => [...all, l as Line]),
      end: () => setEnded(true),
    });
  }, [id]);
  if (lines.length === 0 && ended && stored) return <pre class="output">{stored}</pre>;
  return (
    <pre class="output" aria-live="polite" data-ended={ended ? 'yes' : 'no'}>
      {lines.map((l) => (
        <div key={l.id} class={l.fd}>
          {l.data.replace(/\n$/, '')}
        </div>
      ))}
      {lines.length === 0 && <span class="hint">{ended ? '(no output)' : 'waiting for output…'}</span>}
    </pre>
  );
}

function Timeline({ e }: { e: Execution }) {
  const t0 = Date.parse(e.requested_at);
  const steps: [string, string | null][] = [
    ['requested', e.requested_at],
    ['scheduled', e.scheduled_at],
    ['started', e.started_at],
    [e.status, e.finished_at],
  ];
  return (
    <ol class="timeline">
      {steps
        .filter(([, at]) => at)
        .map(([label, at]) => (
          <li>
            <strong>{label}</strong> {dateTime(at)} <span class="hint">+{duration(Date.parse(at!) - t0)}</span>
          </li>
        ))}
      {e.status_reason && <li class="hint">reason: {e.status_reason}</li>}
    </ol>
  );
}

export function ExecutionPage({ id }: { id: number }) {
  const exec = useGet<Execution>(`/executions/${id}`);
  const children = useGet<Page<Execution>>(`/executions/${id}/children`);
  const act = useAction(exec.reload);
  const e = exec.data;
  // Its own changes reload it; while it runs, changes of later executions may be its tasks, so its children reload too.
  const running = useRef(false);
  running.current = Boolean(e && !terminal.has(e.status));
  const both = () => (exec.reload(), children.reload());
  const onChange = (c: Change) => (c.id === id ? both() : c.id > id && running.current && children.reload());
  useEffect(() => listen('/events/executions', { change: (c) => onChange(c as Change) }, both), [id]);
  const now = useNow(Boolean(e?.started_at && !e.finished_at));
  const back = (
    <p>
      <a href="#/executions">← Executions</a>
    </p>
  );
  if (!e)
    return (
      <>
        {back}
        {exec.error ? (
          <p role="alert" class="error">
            {exec.error}
          </p>
        ) : (
          <p class="hint">Loading…</p>
        )}
      </>
    );
  const rerun = async () => {
    const next = (await act.run('POST', `/executions/${id}/rerun`)) as Execution | null;
    if (next) location.hash = `#/executions/${next.id}`;
  };
  return (
    <>
      {back}
      <h1>
        #{e.id} {e.action_ref} <Status status={e.status} />
      </h1>
      <div class="toolbar">
        {!terminal.has(e.status) && (
          <button type="button" onClick={() => void act.run('POST', `/executions/${id}/cancel`)} disabled={act.busy || e.status === 'canceling'}>
            Cancel
          </button>
        )}
        <button type="button" onClick={() => void rerun()} disabled={act.busy}>
          Run again
        </button>
        {(act.error ?? exec.error) && (
          <span role="alert" class="error">
            {act.error ?? exec.error}
          </span>
        )}
      </div>
      <dl class="facts">
        <dt>worker</dt>
        <dd class="mono">{e.worker_id ?? '—'}</dd>
        <dt>duration</dt>
        <dd>{duration(runTime(e, now)) || '—'}</dd>
        <dt>exit code</dt>
        <dd>{e.exit_code ?? '—'}</dd>
        <dt>attempt</dt>
        <dd>
          {e.attempt}
          {e.retry_of ? (
            <>
              {' '}
              (retry of <a href={`#/executions/${e.retry_of}`}>#{e.retry_of}</a>)
            </>
          ) : null}
        </dd>
        {e.parent_id ? (
          <>
            <dt>workflow</dt>
            <dd>
              task <strong>{e.task_name}</strong> of <a href={`#/executions/${e.parent_id}`}>#{e.parent_id}</a>
            </dd>
          </>
        ) : null}
        <dt>trace</dt>
        <dd class="mono">{e.trace}</dd>
      </dl>
      <div class="columns">
        <section>
          <h2>Parameters</h2>
          <pre>{json(e.parameters)}</pre>
          <h2>Timeline</h2>
          <Timeline e={e} />
        </section>
        <section>
          <h2>Output</h2>
          <LiveOutput id={id} stored={[e.stdout, e.stderr].filter(Boolean).join('\n') || null} />
          <h2>Result</h2>
          <pre>{e.result ? json(e.result) : '—'}</pre>
        </section>
      </div>
      <Tasks items={children.data?.items ?? []} now={now} />
    </>
  );
}
