/** Pack file formats (StackStorm's layout): pack.yaml, actions/*.yaml, triggers/*.yaml, rules/*.yaml. */
import { z } from 'zod';
import { parametersSpecSchema } from '../actions/parameters.ts';
import { actionPolicySchema, didYouMean, flowControlSchema, policyProblems, retryPolicySchema } from '../domain/policy-schema.ts';
import type { WorkflowDef } from '../workflows/definition.ts';

const name = z.string().regex(/^[a-z0-9_][a-z0-9_-]*$/i, 'names hold letters, digits, "_" and "-"');
const ref = z.string().regex(/^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$/i, 'a ref is "<pack>.<name>"');

export const packFileSchema = z.object({
  ref: name.optional(),
  name: name,
  version: z.string().default('0.0.0'),
  description: z.string().default(''),
});

const policyKeys = ['retry', 'concurrency', 'rate_limit', 'policy', 'idempotent', 'flow'];

/**
 * The rest of the pack YAML is made strict elsewhere (issue 16); until then, an unknown key that
 * looks like a misspelt policy (`retyr:`) is refused here, so a user never believes a policy is on.
 */
function refuseMisspeltPolicies(known: readonly string[]) {
  return (raw: unknown, ctx: z.RefinementCtx) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return;
    for (const k of Object.keys(raw)) {
      if (known.includes(k)) continue;
      const hint = didYouMean(k, policyKeys);
      if (hint) ctx.addIssue({ code: 'custom', path: [k], message: `unknown key "${k}" (did you mean "${hint}"?)` });
    }
  };
}

const actionShape = {
  name,
  description: z.string().default(''),
  /** StackStorm calls it `runner_type`; `runtime` is accepted too. */
  runner_type: z.string().optional(),
  runtime: z.string().optional(),
  entry_point: z.string().optional(),
  /** Inline shell command (shell runtime); parameters reach it as ATTUNE_PARAM_* and stdin. */
  command: z.string().optional(),
  enabled: z.boolean().default(true),
  parameters: parametersSpecSchema.default({}),
  /** Seconds. */
  timeout: z.number().positive().optional(),
  /** Safe to run again after its worker died mid-run: allows `retry.on: [abandoned]`. */
  idempotent: z.boolean().default(false),
  retry: retryPolicySchema.optional(),
  concurrency: actionPolicySchema.shape.concurrency,
  rate_limit: actionPolicySchema.shape.rate_limit,
  /** `runtime: workflow`: the definition inline (or in the file `entry_point` names); checked by `workflows/validate.ts`. */
  workflow: z.record(z.string(), z.unknown()).optional(),
};

export const actionFileSchema = z
  .preprocess((raw, ctx) => {
    refuseMisspeltPolicies(Object.keys(actionShape))(raw, ctx);
    return raw;
  }, z.object(actionShape))
  .superRefine((a, ctx) => {
    for (const message of policyProblems({ retry: a.retry }, a.idempotent)) ctx.addIssue({ code: 'custom', path: ['retry', 'on'], message });
  })
  .refine((a) => a.runner_type ?? a.runtime, { message: 'an action needs `runtime` (shell, python, node or workflow)' })
  .refine((a) => a.command ?? a.entry_point ?? a.workflow ?? (a.runtime ?? a.runner_type) === 'node', {
    message: 'an action needs `command` or `entry_point` (node actions may be in-process handlers instead; workflows may be inline in `workflow`)',
  })
  .refine((a) => !a.workflow || (a.runtime ?? a.runner_type) === 'workflow', { message: '`workflow` is only for actions with `runtime: workflow`' });

export const triggerFileSchema = z.object({
  name,
  description: z.string().default(''),
  parameters_schema: z.record(z.string(), z.unknown()).default({}),
  payload_schema: z.record(z.string(), z.unknown()).default({}),
});

export const ruleFileSchema = z.object({
  name,
  pack: name.optional(),
  description: z.string().default(''),
  enabled: z.boolean().default(true),
  trigger: z.object({
    type: ref,
    parameters: z.record(z.string(), z.unknown()).default({}),
  }),
  criteria: z.record(z.string(), z.unknown()).default({}),
  action: z.object({
    ref,
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Overrides the action's policies, per policy (retry, concurrency, rate_limit). */
    policy: actionPolicySchema.optional(),
  }),
  flow: flowControlSchema.optional(),
});

export type PackFile = z.infer<typeof packFileSchema>;
export type ActionFile = z.infer<typeof actionFileSchema>;
export type TriggerFile = z.infer<typeof triggerFileSchema>;
export type RuleFile = z.infer<typeof ruleFileSchema>;

export interface PackDefinition {
  ref: string;
  version: string;
  description: string;
  path: string;
  actions: ActionFile[];
  triggers: TriggerFile[];
  rules: RuleFile[];
  /** action name → checked definition, for its `runtime: workflow` actions. */
  workflows: Map<string, WorkflowDef>;
}
