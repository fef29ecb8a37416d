/**
 * Stores packs, their triggers, actions and rules (with trigger instances), in one transaction.
 * The repository stores rows: reading pack files and checking rules is the callers' (layer 4:
 * `packs/save.ts`, `rules/rule-check.ts`). Only what needs the database is checked here: that
 * a rule's trigger and action exist.
 */
import { createHash } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { ValidationError } from '../errors.ts';
import { policyProblems, type ActionPolicy, type FlowControl } from '../domain/policy-schema.ts';
import type { Sql } from './sql.ts';
import type { TriggerInstanceToStore } from './trigger-instances-repo.ts';

export interface PackLoadResult {
  pack: string;
  triggers: number;
  actions: number;
  rules: number;
}

export interface TriggerToStore {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  payloadSchema: Record<string, unknown>;
}

export interface ActionToStore {
  name: string;
  description: string;
  /** Lower case. */
  runtime: string;
  command: string | null;
  entryPoint: string | null;
  parameters: Record<string, unknown>;
  timeoutMs: number | null;
  idempotent: boolean;
  policy: ActionPolicy | null;
  /** The checked definition of a `runtime: workflow` action. */
  workflow: Record<string, unknown> | null;
}

export interface RuleToStore {
  ref: string;
  pack: string;
  description: string;
  enabled: boolean;
  triggerRef: string;
  /** The trigger's parameters as stored (credentials sealed: triggers/trigger-secrets.ts), or null when it has none. */
  triggerInstance: TriggerInstanceToStore | null;
  criteria: Record<string, unknown>;
  actionRef: string;
  actionParams: Record<string, unknown>;
  /** The rule's override of the action's policies, or null. */
  policy: ActionPolicy | null;
  flow: FlowControl | null;
}

export interface PackToStore {
  ref: string;
  version: string;
  description: string;
  path: string;
  triggers: TriggerToStore[];
  actions: ActionToStore[];
  rules: RuleToStore[];
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

/** The hash that identifies a trigger instance by its parameters (keyed when they hold credentials: triggers/trigger-secrets.ts). */
export function paramsHash(params: Record<string, unknown>): string {
  return createHash('sha1').update(canonicalJson(params)).digest('hex');
}

export async function storePack(sql: Sql, def: PackToStore): Promise<PackLoadResult> {
  await sql.begin(async (tx) => {
    await tx`insert into pack (ref, version, description, path) values (${def.ref}, ${def.version}, ${def.description}, ${def.path})
      on conflict (ref) do update set version = excluded.version, description = excluded.description, path = excluded.path, loaded_at = now()`;
    for (const t of def.triggers) await upsertTrigger(tx, def.ref, t);
    for (const a of def.actions) await upsertAction(tx, def.ref, def.path, a);
    for (const r of def.rules) await storeRule(tx, r, { keepEnabled: true });
    await removeMissing(tx, def);
  });
  return { pack: def.ref, triggers: def.triggers.length, actions: def.actions.length, rules: def.rules.length };
}

/**
 * A reload makes the stored pack equal the folder: its rules and its actions (from a folder: not
 * the code-first ones) whose files are gone are deleted (a deleted timer rule stops firing at the
 * `rule.changed` that follows). An action still used by a rule of another pack is not deleted: the
 * load fails, naming both. Triggers stay (code-first triggers share the pack).
 */
async function removeMissing(tx: TransactionSql, def: PackToStore): Promise<void> {
  await tx`delete from rule where pack = ${def.ref} and ref <> all(${def.rules.map((r) => r.ref)}::text[])`;
  const kept = def.actions.map((a) => `${def.ref}.${a.name}`);
  const [used] = await tx<{ ref: string; rule: string }[]>`
    select a.ref, r.ref as rule from action a join rule r on r.action_ref = a.ref
    where a.pack = ${def.ref} and a.pack_path is not null and a.ref <> all(${kept}::text[]) limit 1`;
  if (used) throw new ValidationError(`pack "${def.ref}": action "${used.ref}" is no longer in the folder but rule "${used.rule}" uses it`);
  await tx`delete from action where pack = ${def.ref} and pack_path is not null and ref <> all(${kept}::text[])`;
}

/**
 * Stores code-first triggers and actions (`defineTrigger`, `defineAction`) of one pack: the pack
 * row is created if missing and otherwise left as it is (a pack folder of the same name keeps its
 * version and path); the definitions are upserted like a pack's.
 */
export async function storeDefinitions(sql: Sql, pack: string, triggers: TriggerToStore[], actions: ActionToStore[]): Promise<PackLoadResult> {
  await sql.begin(async (tx) => {
    await tx`insert into pack (ref, description) values (${pack}, 'defined in code') on conflict (ref) do nothing`;
    for (const t of triggers) await upsertTrigger(tx, pack, t);
    for (const a of actions) await upsertAction(tx, pack, null, a);
  });
  return { pack, triggers: triggers.length, actions: actions.length, rules: 0 };
}

async function upsertTrigger(tx: TransactionSql, pack: string, t: TriggerToStore): Promise<void> {
  await tx`insert into trigger (ref, pack, name, description, parameters, payload_schema)
    values (${`${pack}.${t.name}`}, ${pack}, ${t.name}, ${t.description}, ${tx.json(t.parameters as never)}, ${tx.json(t.payloadSchema as never)})
    on conflict (ref) do update set description = excluded.description, parameters = excluded.parameters, payload_schema = excluded.payload_schema`;
}

async function upsertAction(tx: TransactionSql, pack: string, packPath: string | null, a: ActionToStore): Promise<void> {
  await tx`insert into action (ref, pack, name, description, runtime, command, entry_point, pack_path, parameters, timeout_ms, idempotent, policy, workflow)
    values (${`${pack}.${a.name}`}, ${pack}, ${a.name}, ${a.description}, ${a.runtime}, ${a.command}, ${a.entryPoint},
            ${packPath}, ${tx.json(a.parameters as never)}, ${a.timeoutMs}, ${a.idempotent}, ${a.policy ? tx.json(a.policy) : null},
            ${a.workflow ? tx.json(a.workflow as never) : null})
    on conflict (ref) do update set description = excluded.description, runtime = excluded.runtime, command = excluded.command,
      entry_point = excluded.entry_point, pack_path = excluded.pack_path, parameters = excluded.parameters,
      timeout_ms = excluded.timeout_ms, idempotent = excluded.idempotent, policy = excluded.policy, workflow = excluded.workflow, updated_at = now()`;
}

/**
 * Upserts one (already checked) rule; an unknown trigger or action is an error naming the rule.
 * `keepEnabled` (a pack reload): an existing rule keeps its stored `enabled`, so `rule disable` survives.
 */
export async function storeRule(tx: TransactionSql, r: RuleToStore, o: { keepEnabled?: boolean } = {}): Promise<number> {
  const [trigger] = await tx`select ref from trigger where ref = ${r.triggerRef}`;
  if (!trigger) throw new ValidationError(`rule "${r.ref}": unknown trigger "${r.triggerRef}" (load its pack first)`);
  const [action] = await tx<{ idempotent: boolean }[]>`select idempotent from action where ref = ${r.actionRef}`;
  if (!action) throw new ValidationError(`rule "${r.ref}": unknown action "${r.actionRef}" (load its pack first)`);
  const problems = policyProblems(r.policy, action.idempotent);
  if (problems.length > 0) throw new ValidationError(`rule "${r.ref}": action.${problems.join('; ')}`);
  let instanceId: number | null = null;
  const ti = r.triggerInstance;
  if (ti) {
    const [row] = await tx<{ id: number }[]>`
      insert into trigger_instance (trigger_ref, parameters, secrets, params_hash)
      values (${r.triggerRef}, ${tx.json(ti.parameters as never)}, ${ti.secrets}, ${ti.hash})
      on conflict (trigger_ref, params_hash) do update set parameters = excluded.parameters, secrets = excluded.secrets
      returning id`;
    instanceId = row?.id ?? null;
  }
  const [saved] = await tx<{ id: number }[]>`
    insert into rule (ref, pack, description, enabled, trigger_ref, trigger_instance_id, criteria, action_ref, action_params, policy, flow)
    values (${r.ref}, ${r.pack}, ${r.description}, ${r.enabled}, ${r.triggerRef}, ${instanceId}, ${tx.json(r.criteria as never)},
            ${r.actionRef}, ${tx.json(r.actionParams as never)}, ${r.policy ? tx.json(r.policy) : null}, ${r.flow ? tx.json(r.flow) : null})
    on conflict (ref) do update set description = excluded.description,
      enabled = case when ${o.keepEnabled ?? false} then rule.enabled else excluded.enabled end, trigger_ref = excluded.trigger_ref,
      trigger_instance_id = excluded.trigger_instance_id, criteria = excluded.criteria, action_ref = excluded.action_ref,
      action_params = excluded.action_params, policy = excluded.policy, flow = excluded.flow, updated_at = now()
    returning id`;
  return saved?.id ?? 0;
}

/** The stored `payload_schema` of each of these triggers that exists, by ref. */
export async function triggerPayloadSchemas(sql: Sql | TransactionSql, refs: string[]): Promise<Map<string, unknown>> {
  if (refs.length === 0) return new Map();
  const rows = await sql<{ ref: string; payload_schema: unknown }[]>`select ref, payload_schema from trigger where ref = any(${refs})`;
  return new Map(rows.map((r) => [r.ref, r.payload_schema]));
}

/** The stored `parameters` of each of these actions that exists, by ref. */
export async function actionParameterSpecs(sql: Sql | TransactionSql, refs: string[]): Promise<Map<string, unknown>> {
  if (refs.length === 0) return new Map();
  const rows = await sql<{ ref: string; parameters: unknown }[]>`select ref, parameters from action where ref = any(${refs})`;
  return new Map(rows.map((r) => [r.ref, r.parameters]));
}

/** Every stored action ref (for a "did you mean" when one is unknown). */
export async function actionRefs(sql: Sql | TransactionSql): Promise<string[]> {
  const rows = await sql<{ ref: string }[]>`select ref from action`;
  return rows.map((r) => r.ref);
}
