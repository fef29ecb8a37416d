/**
 * The library's `attune.rules`: create, update, get, list, enable, disable, delete and test
 * (dry-run). Every change publishes `rule.changed`, so sensors re-arm their triggers at once; the
 * enforcer reads the enabled rules from Postgres per batch, so a change holds from the next event.
 */
import type { z } from 'zod';
import type { AttuneContext } from '../context.ts';
import type { Sql } from '../db/sql.ts';
import { enforcementStatuses, listEnforcements, type EnforcementListOptions, type EnforcementRow } from '../db/enforcements-repo.ts';
import { actionParameterSpecs, storeRule, triggerPayloadSchemas } from '../db/packs-repo.ts';
import { deleteRule, getRule, listRules, setRuleEnabled, type RuleListOptions, type RuleRecord } from '../db/rules-repo.ts';
import { issuesLine, NotFoundError, ValidationError } from '../errors.ts';
import { ruleFileSchema, type RuleFile } from '../packs/schema.ts';
import { dryRunRule, ruleRowFromFile, type DryRunResult } from './dry-run.ts';
import { secretKey } from '../actions/secrets.ts';
import { maskCredentials } from '../triggers/trigger-secrets.ts';
import { checkedRule } from './rule-check.ts';

/** A rule definition as in `rules/*.yaml`; `pack` is required (the ref is `<pack>.<name>`). */
export type RuleInput = z.input<typeof ruleFileSchema>;

export interface TestOptions {
  sinceMs?: number;
  limit?: number;
}

export interface RulesApi {
  create(rule: RuleInput): Promise<RuleRecord>;
  update(ref: string, rule: RuleInput): Promise<RuleRecord>;
  get(ref: string): Promise<RuleRecord | null>;
  list(options?: RuleListOptions): Promise<RuleRecord[]>;
  enable(ref: string): Promise<void>;
  disable(ref: string): Promise<void>;
  delete(ref: string): Promise<void>;
  /** Dry-run of a stored rule (by ref) or of a definition, against stored events. Writes nothing. */
  test(rule: string | RuleInput, options?: TestOptions): Promise<DryRunResult>;
  /** What the rule made of events, newest first: the execution, or why none (flow control, bad parameters). */
  enforcements(ref: string, options?: EnforcementListOptions): Promise<EnforcementRow[]>;
}

export function parseRule(input: unknown, where = 'rule'): RuleFile & { pack: string } {
  const parsed = ruleFileSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(`${where}: ${issuesLine(parsed.error)}`);
  const pack = parsed.data.pack;
  if (!pack) throw new ValidationError(`${where}: a rule needs \`pack\` (its ref is "<pack>.<name>")`);
  return { ...parsed.data, pack };
}

export function createRulesApi(ctx: AttuneContext, sql: Sql): RulesApi {
  const key = () => secretKey(ctx);
  const changed = (reason: string, ref: string) => ctx.publisher.publish(ctx.catalog.ruleChanged, { reason, refs: [ref] });
  /** Credentials are never handed out, not even from a row `migrate()` has not sealed yet. */
  const shown = (r: RuleRecord): RuleRecord => ({ ...r, trigger_parameters: maskCredentials(r.trigger_ref, r.trigger_parameters) });
  const get = async (ref: string) => {
    const r = await getRule(sql, ref);
    return r && shown(r);
  };
  const mustGet = async (ref: string) => {
    const r = await get(ref);
    if (!r) throw new NotFoundError(`no rule "${ref}"`);
    return r;
  };
  /** `expect` is null for a new rule, or the ref of the rule being updated. */
  async function save(input: RuleInput, expect: string | null): Promise<RuleRecord> {
    const r = parseRule(input);
    const ref = `${r.pack}.${r.name}`;
    if (expect !== null && expect !== ref) throw new ValidationError(`rule "${expect}": the definition names "${ref}"; a rule's ref cannot change`);
    await sql.begin(async (tx) => {
      const [exists] = await tx`select 1 from rule where ref = ${ref} for update`;
      if (expect === null && exists) throw new ValidationError(`rule "${ref}" already exists (use update)`);
      if (expect !== null && !exists) throw new NotFoundError(`no rule "${ref}"`);
      const schemas = await triggerPayloadSchemas(tx, [r.trigger.type]);
      const specs = await actionParameterSpecs(tx, [r.action.ref]);
      await storeRule(tx, await checkedRule(r.pack, r, { payloadSchema: schemas.get(r.trigger.type), actionParameters: specs.get(r.action.ref) }, key));
    });
    await changed(`rule ${ref} ${expect === null ? 'created' : 'updated'}`, ref);
    return mustGet(ref);
  }
  async function toggle(ref: string, enabled: boolean): Promise<void> {
    if (!(await setRuleEnabled(sql, ref, enabled))) throw new NotFoundError(`no rule "${ref}"`);
    await changed(`rule ${ref} ${enabled ? 'enabled' : 'disabled'}`, ref);
  }
  return {
    create: (rule) => save(rule, null),
    update: (ref, rule) => save(rule, ref),
    get,
    list: async (o) => (await listRules(sql, o)).map(shown),
    enable: (ref) => toggle(ref, true),
    disable: (ref) => toggle(ref, false),
    async delete(ref) {
      if (!(await deleteRule(sql, ref))) throw new NotFoundError(`no rule "${ref}"`);
      await changed(`rule ${ref} deleted`, ref);
    },
    async test(rule, o = {}) {
      const row = typeof rule === 'string' ? await mustGet(rule) : await ruleRowFromFile(sql, parseRule(rule).pack, parseRule(rule), key);
      return dryRunRule(sql, row, { ...o, namespace: ctx.config.namespace });
    },
    /** A status that does not exist, or a rule that never existed, is an error, not an empty list; a deleted rule's enforcements stay readable. */
    async enforcements(ref, o = {}) {
      const known: readonly string[] = enforcementStatuses;
      if (o.status !== undefined && !known.includes(o.status))
        throw new ValidationError(`unknown enforcement status "${o.status}" (known: ${known.join(', ')})`);
      const rows = await listEnforcements(sql, ref, o);
      if (rows.length === 0 && !(await get(ref)) && (await listEnforcements(sql, ref, { limit: 1 })).length === 0) throw new NotFoundError(`no rule "${ref}"`);
      return rows;
    },
  };
}
