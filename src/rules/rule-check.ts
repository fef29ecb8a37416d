/** Checks a rule definition before it is stored or dry-run: its criteria, templates and trigger parameters. */
import { unrenderedProblemsOf } from '../actions/parameters.ts';
import type { RuleToStore } from '../db/packs-repo.ts';
import { ValidationError } from '../errors.ts';
import { isEmptyPolicy } from '../domain/policy-schema.ts';
import type { RuleFile } from '../packs/schema.ts';
import { validateTriggerParameters } from '../triggers/trigger-params.ts';
import { sealTriggerParameters, type KeySource } from '../triggers/trigger-secrets.ts';
import { validateCriteria } from './criteria.ts';
import { templateKeyProblems } from './template-keys.ts';
import { validateTemplates } from './template.ts';

/** The key templates of a rule's policy override and flow control, by where they are. */
function policyKeys(r: RuleFile): Record<string, unknown> {
  const keys: Record<string, string | undefined> = {
    'action.policy.concurrency.key': r.action.policy?.concurrency?.key,
    'action.policy.rate_limit.key': r.action.policy?.rate_limit?.key,
    'flow.throttle.key': r.flow?.throttle?.key,
    'flow.debounce.key': r.flow?.debounce?.key,
    'flow.dedupe.key': r.flow?.dedupe?.key,
  };
  return Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
}

/** What the rule and its action know of each other before anything is rendered: what the trigger's payload declares, and the action's `parameters`. */
export interface RuleTargets {
  payloadSchema?: unknown;
  actionParameters?: unknown;
}

/** The rule's `action.parameters` against the action's: names, required ones, literal values (an unknown action is refused when the rule is stored). */
function actionParameterProblems(r: RuleFile, actionParameters: unknown): string[] {
  return unrenderedProblemsOf(actionParameters, r.action.parameters).map((p) => `action.parameters of ${r.action.ref}: ${p}`);
}

/**
 * Why a rule cannot be saved (empty when it can), each problem naming the part of the rule.
 * With the trigger's `payload_schema`, the templates may read only the payload keys it declares;
 * with the action's `parameters`, the rule may give only those, and every required one.
 */
export function ruleProblems(r: RuleFile, { payloadSchema, actionParameters }: RuleTargets = {}): string[] {
  return [
    ...actionParameterProblems(r, actionParameters),
    ...validateCriteria(r.criteria),
    ...validateTemplates(r.action.parameters),
    ...(payloadSchema === undefined ? [] : templateKeyProblems(r.action.parameters, r.trigger.type, payloadSchema)),
    ...validateTemplates(policyKeys(r)).map((p) => `key template ${p}`),
    ...validateTriggerParameters(r.trigger.type, r.trigger.parameters).map((p) => `trigger parameters: ${p}`),
  ];
}

/**
 * The rule `<pack>.<name>` as the repository stores it, its trigger's credentials sealed with the
 * key; a ValidationError names the rule and every problem.
 */
export async function checkedRule(pack: string, r: RuleFile, targets: RuleTargets, key: KeySource): Promise<RuleToStore> {
  const ref = `${pack}.${r.name}`;
  const problems = ruleProblems(r, targets);
  if (problems.length > 0) throw new ValidationError(`rule "${ref}" is invalid: ${problems.join('; ')}`);
  return {
    ref,
    pack,
    description: r.description,
    enabled: r.enabled,
    triggerRef: r.trigger.type,
    triggerInstance: Object.keys(r.trigger.parameters).length > 0 ? await sealTriggerParameters(key, r.trigger.type, r.trigger.parameters) : null,
    criteria: r.criteria,
    actionRef: r.action.ref,
    actionParams: r.action.parameters,
    policy: r.action.policy && !isEmptyPolicy(r.action.policy) ? r.action.policy : null,
    flow: r.flow && Object.keys(r.flow).length > 0 ? r.flow : null,
  };
}
