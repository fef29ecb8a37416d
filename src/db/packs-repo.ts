/** Stores packs, their triggers, actions and rules (with trigger instances), in one transaction. */
import { createHash } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { ValidationError } from '../errors.ts';
import type { PackDefinition, RuleFile } from '../packs/schema.ts';
import { validateCriteria } from '../rules/criteria.ts';
import { validateTemplates } from '../rules/template.ts';
import { validateTriggerParameters } from '../triggers/trigger-params.ts';

export interface PackLoadResult {
  pack: string;
  triggers: number;
  actions: number;
  rules: number;
}

/** Canonical JSON (sorted keys), so equal parameters hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hash that identifies a trigger instance by its parameters. */
export function paramsHash(params: Record<string, unknown>): string {
  return createHash('sha1').update(canonicalJson(params)).digest('hex');
}

/** Why a rule cannot be saved (empty when it can), each problem naming the part of the rule. */
export function ruleProblems(r: RuleFile): string[] {
  return [
    ...validateCriteria(r.criteria),
    ...validateTemplates(r.action.parameters),
    ...validateTriggerParameters(r.trigger.type, r.trigger.parameters).map((p) => `trigger parameters: ${p}`),
  ];
}

export async function savePack(sql: Sql, def: PackDefinition): Promise<PackLoadResult> {
  await sql.begin(async (tx) => {
    await tx`insert into pack (ref, version, description, path) values (${def.ref}, ${def.version}, ${def.description}, ${def.path})
      on conflict (ref) do update set version = excluded.version, description = excluded.description, path = excluded.path, loaded_at = now()`;
    for (const t of def.triggers) {
      await tx`insert into trigger (ref, pack, name, description, parameters, payload_schema)
        values (${`${def.ref}.${t.name}`}, ${def.ref}, ${t.name}, ${t.description}, ${tx.json(t.parameters_schema as never)}, ${tx.json(t.payload_schema as never)})
        on conflict (ref) do update set description = excluded.description, parameters = excluded.parameters, payload_schema = excluded.payload_schema`;
    }
    for (const a of def.actions) {
      const runtime = (a.runtime ?? a.runner_type ?? '').toLowerCase();
      await tx`insert into action (ref, pack, name, description, runtime, command, entry_point, pack_path, parameters, timeout_ms)
        values (${`${def.ref}.${a.name}`}, ${def.ref}, ${a.name}, ${a.description}, ${runtime}, ${a.command ?? null}, ${a.entry_point ?? null},
                ${def.path}, ${tx.json(a.parameters as never)}, ${a.timeout ? Math.round(a.timeout * 1000) : null})
        on conflict (ref) do update set description = excluded.description, runtime = excluded.runtime, command = excluded.command,
          entry_point = excluded.entry_point, pack_path = excluded.pack_path, parameters = excluded.parameters,
          timeout_ms = excluded.timeout_ms, updated_at = now()`;
    }
    for (const r of def.rules) await saveRule(tx, def.ref, r);
  });
  return { pack: def.ref, triggers: def.triggers.length, actions: def.actions.length, rules: def.rules.length };
}

/** Validates and upserts one rule; errors name the rule and what is wrong. */
export async function saveRule(tx: TransactionSql, pack: string, r: RuleFile): Promise<number> {
  const ref = `${pack}.${r.name}`;
  const problems = ruleProblems(r);
  if (problems.length > 0) throw new ValidationError(`rule "${ref}" is invalid: ${problems.join('; ')}`);
  const [trigger] = await tx`select ref from trigger where ref = ${r.trigger.type}`;
  if (!trigger) throw new ValidationError(`rule "${ref}": unknown trigger "${r.trigger.type}" (load its pack first)`);
  const [action] = await tx`select ref from action where ref = ${r.action.ref}`;
  if (!action) throw new ValidationError(`rule "${ref}": unknown action "${r.action.ref}" (load its pack first)`);
  let instanceId: number | null = null;
  if (Object.keys(r.trigger.parameters).length > 0) {
    const hash = paramsHash(r.trigger.parameters);
    const [row] = await tx<{ id: number }[]>`
      insert into trigger_instance (trigger_ref, parameters, params_hash) values (${r.trigger.type}, ${tx.json(r.trigger.parameters as never)}, ${hash})
      on conflict (trigger_ref, params_hash) do update set parameters = excluded.parameters
      returning id`;
    instanceId = row?.id ?? null;
  }
  const [saved] = await tx<{ id: number }[]>`
    insert into rule (ref, pack, description, enabled, trigger_ref, trigger_instance_id, criteria, action_ref, action_params)
    values (${ref}, ${pack}, ${r.description}, ${r.enabled}, ${r.trigger.type}, ${instanceId}, ${tx.json(r.criteria as never)},
            ${r.action.ref}, ${tx.json(r.action.parameters as never)})
    on conflict (ref) do update set description = excluded.description, enabled = excluded.enabled, trigger_ref = excluded.trigger_ref,
      trigger_instance_id = excluded.trigger_instance_id, criteria = excluded.criteria, action_ref = excluded.action_ref,
      action_params = excluded.action_params, updated_at = now()
    returning id`;
  return saved?.id ?? 0;
}
