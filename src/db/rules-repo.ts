/** Rules as stored: list, get, enable/disable, delete. Storing one is packs-repo's storeRule (checked first by rules/rule-check.ts). */
import type { FlowControl } from '../domain/policy-schema.ts';
import type { Sql } from './sql.ts';

export interface RuleRecord {
  id: number;
  ref: string;
  pack: string;
  description: string;
  enabled: boolean;
  trigger_ref: string;
  trigger_instance_id: number | null;
  trigger_parameters: Record<string, unknown>;
  criteria: Record<string, unknown>;
  action_ref: string;
  action_params: Record<string, unknown>;
  flow: FlowControl | null;
  created_at: Date;
  updated_at: Date;
}

export interface RuleListOptions {
  pack?: string;
  enabled?: boolean;
  trigger?: string;
}

const columns = (sql: Sql) => sql`
  r.id, r.ref, r.pack, r.description, r.enabled, r.trigger_ref, r.trigger_instance_id,
  coalesce(ti.parameters, '{}'::jsonb) as trigger_parameters, r.criteria, r.action_ref, r.action_params, r.flow, r.created_at, r.updated_at`;

export async function listRules(sql: Sql, o: RuleListOptions = {}): Promise<RuleRecord[]> {
  return sql<RuleRecord[]>`
    select ${columns(sql)} from rule r left join trigger_instance ti on ti.id = r.trigger_instance_id
    where (${o.pack ?? null}::text is null or r.pack = ${o.pack ?? null})
      and (${o.enabled ?? null}::boolean is null or r.enabled = ${o.enabled ?? null})
      and (${o.trigger ?? null}::text is null or r.trigger_ref = ${o.trigger ?? null})
    order by r.ref`;
}

export async function getRule(sql: Sql, ref: string): Promise<RuleRecord | null> {
  const [row] = await sql<RuleRecord[]>`
    select ${columns(sql)} from rule r left join trigger_instance ti on ti.id = r.trigger_instance_id where r.ref = ${ref}`;
  return row ?? null;
}

/** Returns false when no rule has that ref. */
export async function setRuleEnabled(sql: Sql, ref: string, enabled: boolean): Promise<boolean> {
  const rows = await sql`update rule set enabled = ${enabled}, updated_at = now() where ref = ${ref} returning id`;
  return rows.length > 0;
}

/** Deletes the rule; its enforcements keep their rule_ref (rule_id becomes null). False when absent. */
export async function deleteRule(sql: Sql, ref: string): Promise<boolean> {
  const rows = await sql`delete from rule where ref = ${ref} returning id`;
  return rows.length > 0;
}
