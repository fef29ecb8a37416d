/** Run an action: pick it, give parameters as JSON, and go to the new execution's page. */
import { useState } from 'preact/hooks';
import { useAction, useGet } from '../api.ts';
import type { Execution, Page } from '../types.ts';

export function RunForm() {
  const actions = useGet<Page<{ ref: string }>>('/actions');
  const [action, setAction] = useState('');
  const [params, setParams] = useState('{}');
  const [parseError, setParseError] = useState<string | null>(null);
  const run = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    let parameters: unknown;
    try {
      parameters = JSON.parse(params || '{}');
      setParseError(null);
    } catch (err) {
      setParseError(`parameters: ${(err as Error).message}`);
      return;
    }
    const created = (await run.run('POST', '/executions', { action, parameters })) as Execution | null;
    if (created) location.hash = `#/executions/${created.id}`;
  };
  return (
    <details class="box">
      <summary>Run an action</summary>
      <form onSubmit={(e) => void submit(e)} class="stack">
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.currentTarget.value)} required>
            <option value="">choose…</option>
            {(actions.data?.items ?? []).map((a) => (
              <option value={a.ref}>{a.ref}</option>
            ))}
          </select>
        </label>
        <label>
          Parameters (JSON)
          <textarea rows={3} value={params} onInput={(e) => setParams(e.currentTarget.value)} spellcheck={false} />
        </label>
        <div>
          <button type="submit" disabled={run.busy}>
            Run
          </button>
        </div>
        {(parseError ?? run.error) && (
          <p role="alert" class="error">
            {parseError ?? run.error}
          </p>
        )}
      </form>
    </details>
  );
}
