/**
 * Pack file formats (StackStorm's layout): pack.yaml, actions/*.yaml, triggers/*.yaml, rules/*.yaml.
 * Strict: an unknown key (a typo such as `runtme:`) is refused, naming it, with a "did you mean".
 */
import { z } from 'zod';
import { parametersSpecSchema } from '../actions/parameters.ts';
import { RUNTIMES } from '../config.ts';
import { actionPolicySchema, flowControlSchema, policyProblems, retryPolicySchema, strictObject } from '../domain/policy-schema.ts';
import { runtimeProblem } from '../domain/runtime-names.ts';
import { checkSchema } from '../triggers/payload-schema.ts';
import type { WorkflowDef } from '../workflows/definition.ts';

const name = z.string().regex(/^[a-z0-9_][a-z0-9_-]*$/i, 'names hold letters, digits, "_" and "-"');
const ref = z.string().regex(/^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$/i, 'a ref is "<pack>.<name>"');

export const packFileSchema = strictObject({
  ref: name.optional(),
  name: name,
  version: z.string().default('0.0.0'),
  description: z.string().default(''),
});

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

/** The runtimes an action may name: a worker's, or `workflow`. */
const actionRuntimes = [...RUNTIMES, 'workflow'];

export const actionFileSchema = strictObject(actionShape)
  .superRefine((a, ctx) => {
    for (const message of policyProblems({ retry: a.retry }, a.idempotent)) ctx.addIssue({ code: 'custom', path: ['retry', 'on'], message });
    const runtime = a.runtime ?? a.runner_type;
    const problem = runtime === undefined ? null : runtimeProblem(runtime, actionRuntimes);
    if (problem) ctx.addIssue({ code: 'custom', path: [a.runtime === undefined ? 'runner_type' : 'runtime'], message: problem });
  })
  .refine((a) => a.runner_type ?? a.runtime, { message: 'an action needs `runtime` (shell, python, node or workflow)' })
  .refine((a) => a.command ?? a.entry_point ?? a.workflow ?? (a.runtime ?? a.runner_type) === 'node', {
    message: 'an action needs `command` or `entry_point` (node actions may be in-process handlers instead; workflows may be inline in `workflow`)',
  })
  .refine((a) => !a.workflow || (a.runtime ?? a.runner_type) === 'workflow', { message: '`workflow` is only for actions with `runtime: workflow`' })
  // a command beside an entry_point, or in a runtime that runs only scripts, would be ignored
  .refine((a) => a.command === undefined || (a.entry_point === undefined && (a.runtime ?? a.runner_type)?.toLowerCase() === 'shell'), {
    path: ['command'],
    message: '`command` is for shell actions only, instead of `entry_point` (not beside it)',
  });

export const triggerFileSchema = strictObject({
  name,
  description: z.string().default(''),
  parameters_schema: z.record(z.string(), z.unknown()).default({}),
  payload_schema: z.record(z.string(), z.unknown()).default({}),
}).superRefine((t, ctx) => {
  // checked as `defineTrigger` checks it: a misspelt keyword or a non-object root would otherwise surface only at emit
  for (const message of checkSchema(t.payload_schema)) ctx.addIssue({ code: 'custom', path: [], message });
});

export const ruleFileSchema = strictObject({
  name,
  pack: name.optional(),
  description: z.string().default(''),
  enabled: z.boolean().default(true),
  trigger: strictObject({
    type: ref,
    parameters: z.record(z.string(), z.unknown()).default({}),
  }),
  criteria: z.record(z.string(), z.unknown()).default({}),
  action: strictObject({
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
