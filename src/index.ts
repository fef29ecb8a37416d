/** Public API of Attune for Node. */
export { createAttune, actorNames } from './attune.ts';
export type { Attune, ActorName, StartOptions, EmitOptions } from './attune.ts';
export type { AttuneOptionsInput as AttuneOptions } from './config.ts';
export type { ExecutionRow, ListOptions, WaitOptions } from './db/executions-repo.ts';
export type { ExecutionStatus } from './domain/execution-lifecycle.ts';
export type { InProcessHandler, HandlerContext } from './runtimes/types.ts';
export type { StreamStats } from './streams/stats.ts';
export type { RunOptions } from './executions-service.ts';
export type { WorkerInfo } from './actors/worker/registry.ts';
export { AttuneError, ValidationError, ServiceUnavailableError, NotFoundError } from './errors.ts';
export type { RulesApi, RuleInput, TestOptions as RuleTestOptions } from './rules/rules-api.ts';
export type { RuleRecord, RuleListOptions } from './db/rules-repo.ts';
export type { DryRunResult, DryRunMatch } from './rules/dry-run.ts';
