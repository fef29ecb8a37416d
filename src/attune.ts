/** The library: `createAttune(options)` → packs, emit, executions, start/stop. */
import type { Logger } from 'pino';
import { resolveConfig, type AttuneOptionsInput, type ResolvedConfig } from './config.ts';
import { createContext, type ActorHandle } from './context.ts';
import { createSql } from './db/sql.ts';
import { migrate, type MigrationResult } from './db/migrate.ts';
import type { PackLoadResult } from './db/packs-repo.ts';
import {
  countExecutions,
  getExecution,
  listExecutions,
  waitForExecution,
  type ExecutionRow,
  type ListOptions,
  type WaitOptions,
} from './db/executions-repo.ts';
import { ValidationError } from './errors.ts';
import { coreHttp } from './actions/core-http.ts';
import { coreSleep } from './actions/core-sleep.ts';
import { executionsService, withoutSecrets, type ActionInfo, type RunOptions } from './executions-service.ts';
import { listWorkers, type WorkerInfo } from './registry/worker-registry.ts';
import { createLogger } from './logger.ts';
import { guardProcess } from './process-guard.ts';
import { loadPackDir } from './packs/load.ts';
import { savePack } from './packs/save.ts';
import type { InProcessHandler } from './runtimes/types.ts';
import { resolveServices } from './services.ts';
import { createRulesApi, type RulesApi } from './rules/rules-api.ts';
import { emitEvent, type EmitOptions } from './triggers/emit.ts';
import { createPayloadChecker } from './triggers/payload-check.ts';
import { createRedis } from './streams/redis.ts';
import { deadLetters, type DeadLetters } from './streams/dlq.ts';
import { streamStats, type StreamStats } from './streams/stats.ts';
import { startEnforcer } from './actors/enforcer.ts';
import { startManager } from './actors/manager.ts';
import { startScheduler } from './actors/scheduler.ts';
import { startSensor } from './actors/sensor/sensor.ts';
import { newWorkerId, startWorker } from './actors/worker/worker.ts';
import { operations, type ApiKeys, type Operations } from './facade/operations.ts';
import type { OutputLine, WatchOptions, ExecutionChange } from './facade/live.ts';

export type { EmitOptions };

export const actorNames = ['sensor', 'enforcer', 'scheduler', 'worker', 'manager'] as const;
export type ActorName = (typeof actorNames)[number];
/** What `start()` runs by default: every actor. The HTTP server (webhooks, API) is `startHttpServer()` in src/http/. */
export const defaultActors: readonly ActorName[] = actorNames;

export interface StartOptions {
  actors?: readonly ActorName[];
  runtimes?: string[];
  concurrency?: number;
}

export interface Attune {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  migrate(): Promise<MigrationResult>;
  packs: { load(dir: string): Promise<PackLoadResult>; list: Operations['catalog']['packs'] };
  actions: {
    /** Registers an in-process handler for a `node` action: this process's workers run it instead of a script. */
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
  emit(triggerRef: string, payload?: Record<string, unknown>, options?: EmitOptions): Promise<{ eventId: string; trace: string }>;
  executions: {
    get(id: number): Promise<ExecutionRow | null>;
    list(options?: ListOptions): Promise<ExecutionRow[]>;
    wait(id: number, options?: WaitOptions): Promise<ExecutionRow>;
    /** Queued: never starts. Running: SIGTERM, then SIGKILL after `worker.killGraceMs`. Ends `canceled`. */
    cancel(id: number): Promise<ExecutionRow>;
    /** The same action and parameters again, linked by `retry_of` (attempt + 1). */
    rerun(id: number, options?: RunOptions): Promise<ExecutionRow>;
    /** How many executions there are per action and status. */
    counts(): Promise<{ action: string; status: string; n: number }[]>;
    /** The executions this one started (a workflow's tasks), newest first. */
    children(id: number): Promise<ExecutionRow[]>;
    /** Its stdout/stderr lines as they are produced, until it ends. */
    watch(id: number, options?: WatchOptions): AsyncGenerator<OutputLine>;
    /** Every status change of every execution, as it commits; resolves to an unsubscribe function. */
    changes(listener: (change: ExecutionChange) => void): Promise<() => Promise<void>>;
  };
  /** Runs an action without a rule (parameters validated first; errors name the parameter). */
  run(actionRef: string, params?: Record<string, unknown>, options?: RunOptions): Promise<ExecutionRow>;
  /** Registered workers with liveness and load. */
  workers(): Promise<WorkerInfo[]>;
  streams(): Promise<StreamStats[]>;
  /** The dead stream: messages that could not be handled (`attune dlq`). */
  dlq: DeadLetters;
  /** Starts actors in this process (default: all). */
  start(options?: StartOptions): Promise<ActorHandle[]>;
  /** Stops the actors (draining in-flight work) and closes connections. */
  stop(): Promise<void>;
}

export async function createAttune(options: AttuneOptionsInput = {}): Promise<Attune> {
  const config = resolveConfig(options);
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
  const running: ActorHandle[] = [];
  let unguard: (() => void) | null = null;
  const name = newWorkerId(config.hostname);
  const payloads = createPayloadChecker(sql);
  const ops = operations(ctx, sql);

  return {
    config,
    log,
    migrate: () => migrate(sql, config.schema),
    packs: {
      async load(dir) {
        const result = await savePack(sql, await loadPackDir(dir));
        await ctx.publisher.publish(ctx.catalog.ruleChanged, { reason: `pack ${result.pack} loaded`, refs: [] });
        return result;
      },
      list: ops.catalog.packs,
    },
    actions: {
      handle(ref, handler) {
        ctx.handlers.set(ref, handler);
      },
      describe: (ref) => service.describeAction(ref),
      list: ops.catalog.actions,
    },
    apiKeys: ops.apiKeys,
    webhooks: ops.webhooks,
    rules: createRulesApi(ctx, sql),
    emit: (triggerRef, payload = {}, o = {}) => emitEvent(ctx, payloads, triggerRef, payload, o),
    executions: {
      get: async (id) => {
        const row = await getExecution(sql, id);
        return row && withoutSecrets(row);
      },
      list: async (o) => (await listExecutions(sql, o)).map(withoutSecrets),
      wait: async (id, o) => withoutSecrets(await waitForExecution(sql, id, o)),
      cancel: (id) => service.cancel(id),
      rerun: (id, o) => service.rerun(id, o),
      children: async (id) => (await listExecutions(sql, { parent: id, limit: 10_000 })).map(withoutSecrets),
      counts: () => countExecutions(sql),
      watch: ops.live.watch,
      changes: ops.live.changes,
    },
    run: (ref, params, o) => service.run(ref, params, o),
    workers: () => listWorkers(ctx, ctx.config.workerLiveMs),
    streams: () => streamStats(redis, ctx.catalog, ctx.keys),
    dlq: deadLetters(redis, ctx.catalog, config.streamMaxLen),
    async start(o = {}) {
      unguard ??= guardProcess(log);
      const wanted = o.actors ?? defaultActors;
      const started: ActorHandle[] = [];
      for (const actor of wanted) {
        if (actor === 'sensor') started.push(startSensor(ctx, name));
        else if (actor === 'enforcer') started.push(startEnforcer(ctx, name));
        else if (actor === 'scheduler') started.push(startScheduler(ctx, name));
        else if (actor === 'manager') started.push(startManager(ctx, name));
        else if (actor === 'worker') started.push(startWorker(ctx, { runtimes: o.runtimes, concurrency: o.concurrency }));
        else throw new ValidationError(`unknown actor "${String(actor)}" (known: ${actorNames.join(', ')})`);
      }
      running.push(...started);
      return started;
    },
    async stop() {
      await Promise.all(running.splice(0).map((a) => a.stop()));
      redis.disconnect();
      await sql.end({ timeout: 5 });
      await services.release();
      unguard?.();
      unguard = null;
    },
  };
}
