/** The public shape of the library facade (`createAttune` in ../attune.ts builds it): actor names, options, the `Attune` interface. */
import type { Logger } from 'pino';
import { type AttuneOptionsInput, type ResolvedConfig } from '../config.ts';
import { type ActorHandle } from '../context.ts';
import { type MigrationResult } from '../db/migrate.ts';
import { type GcResult } from '../db/retention.ts';
import type { PackLoadResult } from '../db/packs-repo.ts';
import { type ChainLink, type ExecutionRow, type ListOptions, type WaitOptions } from '../db/executions-repo.ts';
import { type ExecutionTree } from '../db/workflow-reads.ts';
import { type ActionInfo, type RerunOptions, type RunOptions } from '../executions-service.ts';
import { type WorkerInfo } from '../registry/worker-registry.ts';
import { type Definition, type RefArgs } from '../packs/code-definitions.ts';
import type { InProcessHandler } from '../runtimes/types.ts';
import { type RulesApi } from '../rules/rules-api.ts';
import { type EmitOptions, type EmitResult } from '../triggers/emit.ts';
import { type DeadLetters } from '../streams/dlq.ts';
import { type StreamStats } from '../streams/stats.ts';
import { type ApiKeys, type Operations } from './operations.ts';
import type { OutputLine, WatchOptions, ExecutionChange } from './live.ts';
import type { Health } from './health.ts';

export const actorNames = ['sensor', 'enforcer', 'scheduler', 'worker', 'manager', 'workflow'] as const;
export type ActorName = (typeof actorNames)[number];
/** What `start()` runs by default: every actor. The HTTP server (webhooks, API) is `startHttpServer()` in src/http/. */
export const defaultActors: readonly ActorName[] = actorNames;

export interface StartOptions {
  actors?: readonly ActorName[];
  runtimes?: string[];
  concurrency?: number;
}

export type AttuneCreateOptions<D extends readonly Definition[] = readonly Definition[]> = AttuneOptionsInput & {
  /** Code-first actions, triggers and workflows (`defineAction`, `defineTrigger`, `defineWorkflow`): handlers and machines registered here, rows stored by `start()`. */
  definitions?: D;
};

type NoRefs = Record<never, never>;

/** `Triggers` and `Actions` map the refs of code-first definitions to their payload and parameter types. */
export interface Attune<Triggers extends object = NoRefs, Actions extends object = NoRefs> {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  /** Applies the migrations, then seals the webhook credentials still stored plain (`sealed`: how many trigger instances). */
  migrate(): Promise<MigrationResult & { sealed: number }>;
  packs: {
    load(dir: string): Promise<PackLoadResult>;
    /** Loads the core pack shipped with the package (timers, webhook, `core.echo`, `core.http` …), wherever the caller runs. */
    loadCore(): Promise<PackLoadResult>;
    list: Operations['catalog']['packs'];
  };
  actions: {
    /**
     * Registers an in-process handler for a `node` action: this process's workers run it instead of a
     * script. Register before `start()`: a worker advertises the handlers it had when it started, and an
     * action without `entry_point` is scheduled only to workers advertising its handler.
     */
    handle(ref: string, handler: InProcessHandler): void;
    /** The action's runtime and parameter declarations; `NotFoundError` if no pack loaded it. */
    describe(ref: string): Promise<ActionInfo>;
    list: Operations['catalog']['actions'];
  };
  /** API keys of the HTTP API (`attune apikey`). */
  apiKeys: ApiKeys;
  /** Webhook deliveries (the HTTP server's `POST /webhooks/<name>`). */
  webhooks: Operations['webhooks'];
  rules: RulesApi;
  /** Publishes an event; a payload that does not fit the trigger's `payload_schema` is refused with the reason. */
  emit<K extends string>(triggerRef: K, ...args: RefArgs<Triggers, K, EmitOptions>): Promise<EmitResult>;
  executions: {
    get(id: number): Promise<ExecutionRow | null>;
    list(options?: ListOptions): Promise<ExecutionRow[]>;
    wait(id: number, options?: WaitOptions): Promise<ExecutionRow>;
    /** Every attempt of its retry chain (linked by `retry_of`), first to last. */
    chain(id: number): Promise<ChainLink[]>;
    /** Queued: never starts. Running: SIGTERM, then SIGKILL after `worker.killGraceMs`. Ends `canceled`. */
    cancel(id: number): Promise<ExecutionRow>;
    /** The same action and parameters again, linked by `retry_of` (attempt + 1); a workflow may start at `fromTask`. */
    rerun(id: number, options?: RerunOptions): Promise<ExecutionRow>;
    /** The execution with its workflow tasks (recursively), their status and the published context. */
    tree(id: number): Promise<ExecutionTree | null>;
    /** How many executions there are per action and status. */
    counts(): Promise<{ action: string; status: string; n: number }[]>;
    /** The executions this one started (a workflow's tasks), newest first. */
    children(id: number): Promise<ExecutionRow[]>;
    /** Its stdout/stderr lines as they are produced, until it ends. */
    watch(id: number, options?: WatchOptions): AsyncGenerator<OutputLine>;
    /** Every status change of every execution, as it commits; resolves to an unsubscribe function. */
    changes(listener: (change: ExecutionChange) => void): Promise<() => Promise<void>>;
  };
  workflows: {
    /** Children in flight finish; no new task starts until `resume`. */
    pause(id: number): Promise<void>;
    resume(id: number): Promise<void>;
    /** The compiled machine's states and transitions, and the task graph, as text. */
    show(ref: string): Promise<string>;
  };
  /** Runs an action without a rule (parameters validated first; errors name the parameter). */
  run<K extends string>(actionRef: K, ...args: RefArgs<Actions, K, RunOptions>): Promise<ExecutionRow>;
  /** Stores the code-first definitions (`start()` does it too, in a process with a database). */
  saveDefinitions(): Promise<PackLoadResult[]>;
  /** Registered workers with liveness and load. */
  workers(): Promise<WorkerInfo[]>;
  /** Readiness: Redis and PostgreSQL answer within 2 s, and every actor started here is consuming (the HTTP server's `/readyz`). */
  health(): Promise<Health>;
  streams(): Promise<StreamStats[]>;
  /** Deletes (or with `dryRun` counts) finished executions older than `retention.maxAgeMs`, their enforcements and events. */
  gc(options?: { dryRun?: boolean; olderThanMs?: number }): Promise<GcResult>;
  /** The dead stream: messages that could not be handled (`attune dlq`). */
  dlq: DeadLetters;
  /** Starts actors in this process (default: all). */
  start(options?: StartOptions): Promise<ActorHandle[]>;
  /** Stops the actors (draining in-flight work) and closes connections. */
  stop(): Promise<void>;
  /** SIGKILLs the process groups of every action running in this process (exit at once); says which. */
  killRunningActions(): string[];
}
