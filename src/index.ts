/** Public API of Attune for Node: `createAttune`, the types of what it takes and returns, and its errors. */
export { createAttune } from './attune.ts';
export type { Attune, ActorName, StartOptions, EmitOptions } from './attune.ts';
export type { ActorHandle } from './context.ts';
export type { AttuneOptionsInput as AttuneOptions, ResolvedConfig as AttuneConfig } from './config.ts';
export type { ChainLink, ExecutionRow, ListOptions, WaitOptions } from './db/executions-repo.ts';
export type { ActionPolicy, FlowControl } from './domain/policy-schema.ts';
export type { ExecutionStatus } from './domain/execution-lifecycle.ts';
export type { MigrationResult } from './db/migrate.ts';
export type { PackLoadResult } from './db/packs-repo.ts';
export type { InProcessHandler, HandlerContext } from './runtimes/types.ts';
export type { ParametersSpec } from './actions/parameters.ts';
export type { ActionInfo, RunOptions } from './executions-service.ts';
export type { StreamStats, GroupStats } from './streams/stats.ts';
export type { DeadEntry, DeadLetters, ReplayedEntry } from './streams/dlq.ts';
export type { WorkerInfo } from './registry/worker-registry.ts';
export type { RulesApi, RuleInput, TestOptions as RuleTestOptions } from './rules/rules-api.ts';
export type { RuleRecord, RuleListOptions } from './db/rules-repo.ts';
export type { EnforcementRow, EnforcementListOptions } from './db/enforcements-repo.ts';
export type { DryRunResult, DryRunMatch } from './rules/dry-run.ts';
/** Classes, so that callers can tell failures apart with `instanceof`. */
export { AttuneError, ValidationError, ServiceUnavailableError, NotFoundError } from './errors.ts';
