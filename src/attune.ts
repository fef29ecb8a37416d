/** The library: `createAttune(options)` → packs, emit, executions, start/stop. */
import type { Logger } from 'pino';
import { resolveConfig, type AttuneOptionsInput, type ResolvedConfig } from './config.ts';
import { createContext, type ActorHandle } from './context.ts';
import { createSql } from './db/sql.ts';
import { migrate, pendingMigrations, type MigrationResult } from './db/migrate.ts';
import { collectGarbage, type GcResult } from './db/retention.ts';
import type { PackLoadResult } from './db/packs-repo.ts';
import {
  countExecutions,
  executionChain,
  getExecution,
  listExecutions,
  waitForExecution,
  type ChainLink,
  type ExecutionRow,
  type ListOptions,
  type WaitOptions,
} from './db/executions-repo.ts';
import { executionTree, type ExecutionTree } from './db/workflow-reads.ts';
import { NotMigratedError, ValidationError } from './errors.ts';
import { workflowControl } from './workflows/workflow-control.ts';
import { coreHttp } from './actions/core-http.ts';
import { coreSleep } from './actions/core-sleep.ts';
import { executionsService, withoutSecrets, type ActionInfo, type RerunOptions, type RunOptions } from './executions-service.ts';
import { listWorkers, type WorkerInfo } from './registry/worker-registry.ts';
import { createLogger } from './logger.ts';
import { guardProcess } from './process-guard.ts';
import { corePackDir } from './packs/core-pack.ts';
import { loadPackDir } from './packs/load.ts';
import { runtimeProblem } from './domain/runtime-names.ts';
import { savePack } from './packs/save.ts';
import { saveDefinitions, type ActionParams, type Definition, type RefArgs, type TriggerPayloads } from './packs/code-definitions.ts';
import type { InProcessHandler } from './runtimes/types.ts';
import { killRunningGroups } from './runtimes/running-groups.ts';
import { resolveServices } from './services.ts';
import { createRulesApi, type RulesApi } from './rules/rules-api.ts';
import { emitEvent, type EmitOptions, type EmitResult } from './triggers/emit.ts';
import { createPayloadChecker } from './triggers/payload-check.ts';
import { createRedis } from './streams/redis.ts';
import { deadLetters, type DeadLetters } from './streams/dlq.ts';
import { streamStats, type StreamStats } from './streams/stats.ts';
import { startTrimmer } from './streams/trimmer.ts';
import { hygienePass } from './registry/consumer-hygiene.ts';
import { startEnforcer } from './actors/enforcer.ts';
import { startManager } from './actors/manager.ts';
import { startWorkflowActor } from './actors/workflow/workflow-actor.ts';
import { startScheduler } from './actors/scheduler.ts';
import { startSensor } from './actors/sensor/sensor.ts';
import { newWorkerId, startWorker } from './actors/worker/worker.ts';
import { operations, type ApiKeys, type Operations } from './facade/operations.ts';
import type { OutputLine, WatchOptions, ExecutionChange } from './facade/live.ts';

export type { EmitOptions };

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
  /** Code-first actions and triggers (`defineAction`, `defineTrigger`): handlers registered here, rows stored by `start()`. */
  definitions?: D;
};

type NoRefs = Record<never, never>;

/** `Triggers` and `Actions` map the refs of code-first definitions to their payload and parameter types. */
export interface Attune<Triggers extends object = NoRefs, Actions extends object = NoRefs> {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  migrate(): Promise<MigrationResult>;
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

export async function createAttune<const D extends readonly Definition[] = []>(
  options: AttuneCreateOptions<D> = {},
): Promise<Attune<TriggerPayloads<D>, ActionParams<D>>> {
  const { definitions = [], ...rest } = options;
  const config = resolveConfig(rest);
  const log = options.logger ?? createLogger(config.logLevel);
  const services = await resolveServices(config, log);
  const redis = createRedis(services.redisUrl, 'attune:commands');
  const sql = createSql(services.databaseUrl, config.schema);
  // `database: false` (worker-only processes): the lazy client is never used, so nothing connects.
  const ctx = createContext({
    config,
    log,
    redisUrl: services.redisUrl,
    redis,
    sql: config.useDatabase ? sql : null,
    handlers: new Map([
      ['core.http', coreHttp],
      ['core.sleep', coreSleep],
    ]),
  });
  const service = executionsService(ctx, sql);
  const workflows = workflowControl(ctx, sql);
  const running: ActorHandle[] = [];
  let unguard: (() => void) | null = null;
  let stopTrimmer: (() => Promise<void>) | null = null;
  const name = newWorkerId(config.hostname);
  const payloads = createPayloadChecker(sql);
  const triggers = new Map(definitions.flatMap((d) => (d.kind === 'trigger' ? [[d.ref, d] as const] : [])));
  const actions = new Map(definitions.flatMap((d) => (d.kind === 'action' ? [[d.ref, d] as const] : [])));
  for (const a of actions.values()) ctx.handlers.set(a.ref, a.handler);
  async function loadPack(dir: string): Promise<PackLoadResult> {
    const result = await savePack(sql, await loadPackDir(dir));
    await ctx.publisher.publish(ctx.catalog.ruleChanged, { reason: `pack ${result.pack} loaded`, refs: [] });
    return result;
  }
  const ops = operations(ctx, sql);

  return {
    config,
    log,
    migrate: () => migrate(sql, config.schema),
    packs: { load: loadPack, loadCore: () => loadPack(corePackDir), list: ops.catalog.packs },
    actions: {
      handle(ref, handler) {
        ctx.handlers.set(ref, handler);
        if (running.some((a) => a.name === 'worker'))
          log.warn({ action: ref }, 'handler registered after the worker started: only workers started later advertise and run it');
      },
      describe: (ref) => service.describeAction(ref),
      list: ops.catalog.actions,
    },
    apiKeys: ops.apiKeys,
    webhooks: ops.webhooks,
    rules: createRulesApi(ctx, sql),
    // `unknown`: the signature above types the payload per ref; emitEvent checks it is an object.
    emit: async (ref: string, payload: unknown = {}, o: EmitOptions = {}) => {
      const values = payload as Record<string, unknown>;
      return emitEvent(ctx, payloads, ref, triggers.get(ref)?.parse(values) ?? values, o);
    },
    executions: {
      get: async (id) => {
        const row = await getExecution(sql, id);
        return row && withoutSecrets(row);
      },
      list: async (o) => (await listExecutions(sql, o)).map(withoutSecrets),
      wait: async (id, o) => withoutSecrets(await waitForExecution(sql, id, o)),
      chain: (id) => executionChain(sql, id),
      cancel: async (id) => {
        const row = await service.cancel(id);
        if (row.status === 'canceling') await workflows.afterCancel(id);
        return row;
      },
      tree: (id) => executionTree(sql, id),
      rerun: (id, o) => service.rerun(id, o),
      children: async (id) => (await listExecutions(sql, { parent: id, limit: 10_000 })).map(withoutSecrets),
      counts: () => countExecutions(sql),
      watch: ops.live.watch,
      changes: ops.live.changes,
    },
    workflows: { pause: (id) => workflows.pause(id), resume: (id) => workflows.resume(id), show: (ref) => workflows.show(ref) },
    run: async (ref: string, params: unknown = {}, o?: RunOptions) => {
      const values = params as Record<string, unknown>;
      actions.get(ref)?.check(values);
      return service.run(ref, values, o);
    },
    saveDefinitions: () => saveDefinitions(sql, definitions),
    workers: () => listWorkers(ctx, ctx.config.workerLiveMs),
    streams: () => streamStats(redis, ctx.catalog, ctx.keys, { streamMaxLen: config.streamMaxLen, deadMaxLen: config.streams.deadMaxLen }),
    gc: (o = {}) => collectGarbage(sql, { olderThanMs: o.olderThanMs ?? config.retention.maxAgeMs, batchSize: config.retention.batchSize, dryRun: o.dryRun }),
    dlq: deadLetters(redis, ctx.catalog),
    async start(o = {}) {
      const wanted = o.actors ?? defaultActors;
      const badRuntime = (o.runtimes ?? []).map((r) => runtimeProblem(r)).find((p) => p !== null);
      if (badRuntime) throw new ValidationError(`runtimes: ${badRuntime}`);
      if (config.useDatabase && wanted.some((a) => a !== 'worker')) {
        const pending = await pendingMigrations(sql, config.schema);
        if (pending.length > 0)
          throw new NotMigratedError(
            `database schema "${config.schema}" is not migrated (${pending.length} pending: ${pending.join(', ')}): run \`attune migrate\` (or \`attune up --migrate\`)`,
          );
      }
      if (definitions.length > 0 && config.useDatabase) await saveDefinitions(sql, definitions);
      unguard ??= guardProcess(log);
      const started: ActorHandle[] = [];
      for (const actor of wanted) {
        if (actor === 'sensor') started.push(startSensor(ctx, name));
        else if (actor === 'enforcer') started.push(startEnforcer(ctx, name));
        else if (actor === 'scheduler') started.push(startScheduler(ctx, name));
        else if (actor === 'manager') started.push(startManager(ctx, name));
        else if (actor === 'workflow') started.push(startWorkflowActor(ctx, name));
        else if (actor === 'worker') started.push(startWorker(ctx, { runtimes: o.runtimes, concurrency: o.concurrency }));
        else throw new ValidationError(`unknown actor "${String(actor)}" (known: ${actorNames.join(', ')})`);
      }
      running.push(...started);
      // Every process running actors offers to trim; the trim lock lets one do it per period.
      const trim = { redis, catalog: ctx.catalog, keys: ctx.keys, log, everyMs: config.streams.trimEveryMs };
      stopTrimmer ??= startTrimmer({ ...trim, alsoEachPass: hygienePass(ctx, log) });
      return started;
    },
    killRunningActions: () => killRunningGroups(),
    async stop() {
      await Promise.all(running.splice(0).map((a) => a.stop()));
      await stopTrimmer?.();
      stopTrimmer = null;
      redis.disconnect();
      await sql.end({ timeout: 5 });
      await services.release();
      unguard?.();
      unguard = null;
    },
  };
}
