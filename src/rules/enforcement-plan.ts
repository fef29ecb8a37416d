/**
 * Which rules an event triggers and the execution each one requests: a pure decision. It lives
 * with the rule language it composes (criteria, templates, parameter specs), in layer 4, not in
 * `domain/`: the domain stays below everything that stores or transports it.
 */
import { validateParameters, type ParametersSpec } from '../actions/parameters.ts';
import type { EnforcedExecution } from '../db/execution-store.ts';
import { matchCriteria, type Criteria } from './criteria.ts';
import { renderParameters } from './template.ts';
import { toError } from '../errors.ts';

export interface StoredEvent {
  id: string;
  trigger_ref: string;
  trigger_instance_id: number | null;
  payload: Record<string, unknown>;
  trace: string;
  occurred_at: Date | string;
}

export interface RuleRow {
  id: number;
  ref: string;
  pack: string;
  trigger_ref: string;
  trigger_instance_id: number | null;
  criteria: Record<string, unknown>;
  action_ref: string;
  action_params: Record<string, unknown>;
}

/**
 * What the execution store inserts for one match, before the secrets are sealed: `parameters`
 * rendered and validated, or `error` saying why the execution cannot run.
 */
export type PlannedEnforcement = Omit<EnforcedExecution, 'secrets' | 'policy'>;

function iso(d: Date | string): string {
  return typeof d === 'string' ? d : d.toISOString();
}

export function planEnforcements(
  events: readonly StoredEvent[],
  rules: readonly RuleRow[],
  actionParams: ReadonlyMap<string, ParametersSpec>,
  system: Record<string, unknown>,
): PlannedEnforcement[] {
  const out: PlannedEnforcement[] = [];
  for (const event of events) {
    const criteriaEvent = { id: event.id, trigger: event.trigger_ref, payload: event.payload, occurredAt: iso(event.occurred_at) };
    for (const rule of rules) {
      if (rule.trigger_ref !== event.trigger_ref) continue;
      if (rule.trigger_instance_id !== null && rule.trigger_instance_id !== event.trigger_instance_id) continue;
      if (!matchCriteria(rule.criteria as Criteria, criteriaEvent)) continue;
      const base = { ruleId: rule.id, ruleRef: rule.ref, eventId: event.id, trace: event.trace, actionRef: rule.action_ref };
      let rendered: Record<string, unknown>;
      try {
        rendered = renderParameters(rule.action_params, {
          event: { id: event.id, trigger: event.trigger_ref, payload: event.payload, occurred_at: criteriaEvent.occurredAt },
          rule: { ref: rule.ref, pack: rule.pack },
          system,
        });
      } catch (err) {
        out.push({ ...base, parameters: {}, error: `rule "${rule.ref}": ${toError(err).message}` });
        continue;
      }
      const spec = actionParams.get(rule.action_ref);
      if (!spec) {
        out.push({ ...base, parameters: rendered, error: `action "${rule.action_ref}" does not exist` });
        continue;
      }
      const checked = validateParameters(spec, rendered);
      out.push(checked.ok ? { ...base, parameters: checked.values, error: null } : { ...base, parameters: rendered, error: checked.errors.join('; ') });
    }
  }
  return out;
}
