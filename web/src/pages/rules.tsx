/** Rules: enable or disable each, dry-run one against recent events (writes nothing), open one's enforcements. */
import { useState } from 'preact/hooks';
import { useAction, useGet } from '../api.ts';
import { json } from '../format.ts';
import type { Page } from '../types.ts';

interface Rule {
  ref: string;
  description: string;
  enabled: boolean;
  trigger_ref: string;
  action_ref: string;
  criteria: Record<string, unknown>;
}

interface DryRun {
  rule: string;
  evaluated: number;
  matches: { eventId: string; parameters: Record<string, unknown>; error: string | null }[];
}

export function RulesPage() {
  const rules = useGet<Page<Rule>>('/rules');
  const act = useAction(rules.reload);
  const [dry, setDry] = useState<DryRun | null>(null);
  const dryRun = async (ref: string) => setDry((await act.run('POST', '/rules/dry-run', { rule: ref })) as DryRun | null);
  return (
    <>
      <h1>Rules</h1>
      {(rules.error ?? act.error) && (
        <p role="alert" class="error">
          {rules.error ?? act.error}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>rule</th>
            <th>trigger → action</th>
            <th>state</th>
            <th>
              <span class="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(rules.data?.items ?? []).map((r) => (
            <tr key={r.ref} data-ref={r.ref}>
              <td class="ref">
                <strong>{r.ref}</strong>
                <div class="hint">{r.description}</div>
              </td>
              <td class="ref">
                {r.trigger_ref} → {r.action_ref}
              </td>
              <td>
                <span class={`status ${r.enabled ? 's-succeeded' : 's-canceled'}`}>{r.enabled ? 'enabled' : 'disabled'}</span>
              </td>
              <td>
                <div class="toolbar">
                  <button type="button" disabled={act.busy} onClick={() => void act.run('POST', `/rules/${r.ref}/${r.enabled ? 'disable' : 'enable'}`)}>
                    {r.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button type="button" class="quiet" disabled={act.busy} onClick={() => void dryRun(r.ref)}>
                    Dry run
                  </button>
                  <a class="button quiet" href={`#/rules/${encodeURIComponent(r.ref)}`}>
                    Enforcements
                  </a>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {dry && (
        <section class="box" aria-label="dry run">
          <h2>
            Dry run of {dry.rule}: {dry.matches.length} of {dry.evaluated} recent events match
          </h2>
          {dry.matches.length > 0 && <pre>{json(dry.matches.map((m) => ({ event: m.eventId, parameters: m.parameters, error: m.error })))}</pre>}
          <button type="button" class="quiet" onClick={() => setDry(null)}>
            Close
          </button>
        </section>
      )}
    </>
  );
}
