/**
 * Rule dry-run: evaluates a rule (stored, or a file not yet saved) against the events already
 * stored, and reports which would match and the parameters each execution would get. Reads only:
 * nothing is inserted or published.
 */
import type { ParametersSpec } from '../actions/parameters.ts';
import { actionParameterSpecs } from '../db/packs-repo.ts';
import type { Sql } from '../db/sql.ts';
import { planEnforcements, type RuleRow, type StoredEvent } from './enforcement-plan.ts';
import { flowScope, simulateFlow, type FlowDecision, type FlowWhatIf } from './flow-control.ts';
import { checkedRule } from './rule-check.ts';
import type { RuleFile } from '../packs/schema.ts';
import type { KeySource } from '../triggers/trigger-secrets.ts';

export interface DryRunMatch {
  eventId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
  /** The parameters the execution would get (rendered and validated), or why it would fail. */
  parameters: Record<string, unknown>;
  error: string | null;
  /** What the rule's flow control would have decided (`run` without one). */
  flow: FlowDecision;
}

export interface DryRunResult {
  rule: string;
  trigger: string;
  since: string;
  evaluated: number;
  matches: DryRunMatch[];
  /** Over the matches that would run, oldest first: executions, and what flow control held back. */
  flow: Omit<FlowWhatIf, 'decisions'>;
}

export interface DryRunOptions {
  /** Look at events stored within this many milliseconds (default one hour). */
  sinceMs?: number;
  /** At most this many events, newest first (default 1000). */
  limit?: number;
  namespace: string;
}

/** A rule file as the row the enforcer would read, with its trigger instance if one exists (found by its hash, keyed for credentials). */
export async function ruleRowFromFile(sql: Sql, pack: string, r: RuleFile, key: KeySource): Promise<RuleRow> {
  const specs = await actionParameterSpecs(sql, [r.action.ref]);
  const { ref, triggerInstance } = await checkedRule(pack, r, { actionParameters: specs.get(r.action.ref) }, key);
  let instanceId: number | null = null;
  if (triggerInstance) {
    const [row] = await sql<{ id: number }[]>`
      select id from trigger_instance where trigger_ref = ${r.trigger.type} and params_hash = ${triggerInstance.hash}`;
    instanceId = row?.id ?? -1; // no stored instance: no stored event can be of it
  }
  return {
    id: 0,
    ref,
    pack,
    trigger_ref: r.trigger.type,
    trigger_instance_id: instanceId,
    criteria: r.criteria,
    action_ref: r.action.ref,
    action_params: r.action.parameters,
    flow: r.flow && Object.keys(r.flow).length > 0 ? r.flow : null,
  };
}

export async function dryRunRule(sql: Sql, rule: RuleRow, o: DryRunOptions): Promise<DryRunResult> {
  const since = new Date(Date.now() - (o.sinceMs ?? 3_600_000));
  const events = await sql<StoredEvent[]>`
    select id, trigger_ref, trigger_instance_id, payload, trace, occurred_at from event
    where trigger_ref = ${rule.trigger_ref} and created_at >= ${since}
    order by created_at desc, id limit ${o.limit ?? 1000}`;
  const actions = await sql<{ ref: string; parameters: ParametersSpec }[]>`select ref, parameters from action where ref = ${rule.action_ref}`;
  const plan = planEnforcements(events, [rule], new Map(actions.map((a) => [a.ref, a.parameters])), { namespace: o.namespace });
  const byId = new Map(events.map((e) => [e.id, e]));
  const atOf = (e: StoredEvent | undefined) => (e ? new Date(e.occurred_at).getTime() : 0);
  // The what-if runs oldest first over the matches that would run (a failing one never reaches flow control).
  const chrono = plan.map((p, i) => ({ p, i, e: byId.get(p.eventId) })).sort((a, b) => atOf(a.e) - atOf(b.e) || a.i - b.i);
  const runnable = chrono.filter((c) => !c.p.error && c.e);
  const { decisions, ...flow } = simulateFlow(
    rule.flow,
    runnable.map((c) => ({ at: atOf(c.e), scope: flowScope(c.e as StoredEvent) })),
  );
  const decided = new Map(runnable.map((c, j) => [c.i, decisions[j] ?? 'run']));
  return {
    rule: rule.ref,
    trigger: rule.trigger_ref,
    since: since.toISOString(),
    evaluated: events.length,
    flow,
    matches: plan.map((p, i) => {
      const e = byId.get(p.eventId);
      const at = e?.occurred_at ?? '';
      return {
        eventId: p.eventId,
        occurredAt: typeof at === 'string' ? at : at.toISOString(),
        payload: e?.payload ?? {},
        parameters: p.parameters,
        error: p.error,
        flow: decided.get(i) ?? 'run',
      };
    }),
  };
}
