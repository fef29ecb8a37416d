/**
 * Stores a loaded pack: every rule checked first (`rules/rule-check.ts`), the file conventions
 * (StackStorm's `runner_type`, a timeout in seconds) turned into rows, then one transaction.
 */
import { actionParameterSpecs, actionRefs, storePack, triggerPayloadSchemas, type PackLoadResult } from '../db/packs-repo.ts';
import type { Sql } from '../db/sql.ts';
import { didYouMean } from '../did-you-mean.ts';
import { ValidationError } from '../errors.ts';
import { unrenderedProblemsOf } from '../actions/parameters.ts';
import { checkedRule } from '../rules/rule-check.ts';
import type { KeySource } from '../triggers/trigger-secrets.ts';
import { isEmptyPolicy, type ActionPolicy } from '../domain/policy-schema.ts';
import type { ActionFile, PackDefinition } from './schema.ts';

/** The action's policies as stored (`action.policy`), or null when it has none. */
function actionPolicy(a: ActionFile): ActionPolicy | null {
  const p: ActionPolicy = { retry: a.retry, concurrency: a.concurrency, rate_limit: a.rate_limit };
  return isEmptyPolicy(p) ? null : (JSON.parse(JSON.stringify(p)) as ActionPolicy);
}

/** `key`: the secret key, which seals the credentials among trigger parameters (a webhook's token). */
export async function savePack(sql: Sql, def: PackDefinition, key: KeySource): Promise<PackLoadResult> {
  // the payload schemas the rules' templates are checked against: this pack's triggers, then stored ones
  const schemas = await triggerPayloadSchemas(sql, [...new Set(def.rules.map((r) => r.trigger.type))]);
  for (const t of def.triggers) schemas.set(`${def.ref}.${t.name}`, t.payload_schema);
  // the parameters the actions of rules and workflow tasks take: this pack's actions, then stored ones
  const tasks = [...def.workflows].flatMap(([name, wf]) => Object.entries(wf.tasks).map(([task, t]) => ({ name, task, t })));
  const refs = [...def.rules.map((r) => r.action.ref), ...tasks.flatMap(({ t }) => (t.action ? [t.action] : []))];
  const specs = await actionParameterSpecs(sql, [...new Set(refs)]);
  for (const a of def.actions) specs.set(`${def.ref}.${a.name}`, a.parameters);
  // a task naming an unknown action would fail as a child at run time: refused here, as a rule's is
  const unknown = tasks.filter(({ t }) => t.action !== undefined && !specs.has(t.action));
  if (unknown.length > 0) {
    const known = [...new Set([...specs.keys(), ...(await actionRefs(sql))])];
    const problems = unknown.map(({ name, task, t }) => {
      const hint = didYouMean(t.action!, known);
      return `action "${name}" workflow: task "${task}" field action: action "${t.action}" does not exist (${hint ? `did you mean "${hint}"? or ` : ''}load its pack first)`;
    });
    throw new ValidationError(`${def.path}/actions: ${problems.join('; ')}`);
  }
  // a task's input its action would refuse fails the child at run time: refused here, when its action is known
  const taskProblems = tasks.flatMap(({ name, task, t }) =>
    t.action ? unrenderedProblemsOf(specs.get(t.action), t.input).map((p) => `action "${name}" workflow: task "${task}" field input: ${p}`) : [],
  );
  if (taskProblems.length > 0) throw new ValidationError(`${def.path}/actions: ${taskProblems.join('; ')}`);
  const rules = await Promise.all(
    def.rules.map((r) => checkedRule(def.ref, r, { payloadSchema: schemas.get(r.trigger.type), actionParameters: specs.get(r.action.ref) }, key)),
  );
  return storePack(sql, {
    ref: def.ref,
    version: def.version,
    description: def.description,
    path: def.path,
    triggers: def.triggers.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters_schema, payloadSchema: t.payload_schema })),
    actions: def.actions.map((a) => ({
      name: a.name,
      description: a.description,
      runtime: (a.runtime ?? a.runner_type ?? '').toLowerCase(),
      command: a.command ?? null,
      entryPoint: a.entry_point ?? null,
      parameters: a.parameters,
      timeoutMs: a.timeout ? Math.round(a.timeout * 1000) : null,
      idempotent: a.idempotent,
      policy: actionPolicy(a),
      workflow: def.workflows.get(a.name) ?? null,
    })),
    rules,
  });
}
