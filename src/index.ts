/** Public API of Attune for Node: `createAttune`, the types of what it takes and returns, and its errors. */
export { createAttune } from './attune.ts';
/** Folder of the core pack shipped with the package (what `attune.packs.loadCore()` loads). */
export { corePackDir } from './packs/core-pack.ts';
export type { Attune, AttuneCreateOptions, ActorName, StartOptions, EmitOptions } from './attune.ts';
/** Code-first definitions: an action (parameter schema + handler) or a trigger (payload schema) in one call. */
export { defineAction } from './actions/define-action.ts';
export type { ActionDefinition, ActionInput, ParamsIn, ParamsOut } from './actions/define-action.ts';
/** Code-defined workflows: your own xstate machine under an action ref, durable like a YAML workflow (docs/workflows.md). */
export { defineWorkflow, requestAction, ACTION_REQUEST } from './workflows/code-workflow.ts';
export type {
  WorkflowDefinition,
  WorkflowDefinitionInput,
  ActionRequest,
  ChildFinishedEvent,
  WorkflowMachineEvent,
  WorkflowInput,
} from './workflows/code-workflow.ts';
export { defineTrigger } from './triggers/define-trigger.ts';
export type { TriggerDefinition, TriggerInput, PayloadIn } from './triggers/define-trigger.ts';
export type { Definition, TriggerPayloads, ActionParams } from './packs/code-definitions.ts';
export type { ParamsFromSpec, PayloadFromSchema } from './actions/code-schema.ts';
export type { PayloadSchema } from './triggers/payload-schema.ts';
export type { EmitResult } from './triggers/emit.ts';
export type { ActorHandle } from './context.ts';
export type { AttuneOptionsInput as AttuneOptions, ResolvedConfig as AttuneConfig } from './config.ts';
export type { ChainLink, ExecutionRow, ListOptions, WaitOptions } from './db/executions-repo.ts';
export type { ActionPolicy, FlowControl } from './domain/policy-schema.ts';
export type { ExecutionTree } from './db/workflow-reads.ts';
export type { ExecutionStatus } from './domain/execution-lifecycle.ts';
export type { MigrationResult } from './db/migrate.ts';
export type { PackLoadResult } from './db/packs-repo.ts';
export type { InProcessHandler, HandlerContext } from './runtimes/types.ts';
export type { ParametersSpec, ParametersSpecInput } from './actions/parameters.ts';
export type { ActionInfo, RerunOptions, RunOptions } from './executions-service.ts';
export type { StreamStats, GroupStats } from './streams/stats.ts';
export type { Health, ServiceHealth } from './facade/health.ts';
export type { DeadEntry, DeadLetters, ReplayedEntry } from './streams/dlq.ts';
export type { WorkerInfo } from './registry/worker-registry.ts';
export type { RulesApi, RuleInput, TestOptions as RuleTestOptions } from './rules/rules-api.ts';
export type { RuleRecord, RuleListOptions } from './db/rules-repo.ts';
export type { EnforcementRow, EnforcementListOptions } from './db/enforcements-repo.ts';
export type { DryRunResult, DryRunMatch } from './rules/dry-run.ts';
/** Classes, so that callers can tell failures apart with `instanceof`. */
export { AttuneError, ValidationError, ServiceUnavailableError, NotFoundError, NotMigratedError, BackPressureError, WaitTimeoutError } from './errors.ts';
export { ConfigError } from './config.ts';
