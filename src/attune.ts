/** The library: `createAttune(options)` → packs, emit, executions, start/stop. */
import type { Logger } from 'pino';
import { resolveConfig, type AttuneOptionsInput, type ResolvedConfig } from './config.ts';
import { createContext, type ActorHandle } from './context.ts';
import { createSql } from './db/sql.ts';
import { migrate, type MigrationResult } from './db/migrate.ts';
import { collectGarbage, type GcResult } from './db/retention.ts';
import type { PackLoadResult } from './db/packs-repo.ts';
import { getExecution, listExecutions, waitForExecution, type ExecutionRow, type ListOptions, type WaitOptions } from './db/executions-repo.ts';
import { toError, ValidationError } from './errors.ts';
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
import { startWebhookServer } from './webhooks/webhook-server.ts';
import { createRedis } from './streams/redis.ts';
import { deadLetters, type DeadLetters } from './streams/dlq.ts';
import { streamStats, type StreamStats } from './streams/stats.ts';
import { startTrimmer } from './streams/trimmer.ts';
import { pruneGone } from './registry/consumer-hygiene.ts';
import { startEnforcer } from './actors/enforcer.ts';
import { startManager } from './actors/manager.ts';
import { startScheduler } from './actors/scheduler.ts';
import { startSensor } from './actors/sensor/sensor.ts';
import { newWorkerId, startWorker } from './actors/worker/worker.ts';

export type { EmitOptions };

export const actorNames = ['sensor', 'enforcer', 'scheduler', 'worker', 'manager', 'webhook'] as const;
export type ActorName = (typeof actorNames)[number];
/** What `start()` runs by default: every actor but the webhook server, which opens a port only when asked. */
export const defaultActors: readonly ActorName[] = ['sensor', 'enforcer', 'scheduler', 'worker', 'manager'];

export interface StartOptions {
  actors?: readonly ActorName[];
  runtimes?: string[];
  concurrency?: number;
  /** Actors that, failing to start (e.g. the webhook port is taken), are logged and skipped. */
  bestEffort?: readonly ActorName[];
}

export interface Attune {
  readonly config: ResolvedConfig;
  readonly log: Logger;
  migrate(): Promise<MigrationResult>;
  packs: { load(dir: string): Promise<PackLoadResult> };
  actions: {
    /** Registers an in-process handler for a `node` action: this process's workers run it instead of a script. */
    handle(ref: string, handler: InProcessHandler): void;
    /** The action's runtime and parameter declarations; `NotFoundError` if no pack loaded it. */
    describe(ref: string): Promise<ActionInfo>;
  };
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
  };
  /** Runs an action without a rule (parameters validated first; errors name the parameter). */
  run(actionRef: string, params?: Record<string, unknown>, options?: RunOptions): Promise<ExecutionRow>;
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
  let stopTrimmer: (() => Promise<void>) | null = null;
  const name = newWorkerId(config.hostname);
  const payloads = createPayloadChecker(sql);

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
    },
    actions: {
      handle(ref, handler) {
        ctx.handlers.set(ref, handler);
      },
      describe: (ref) => service.describeAction(ref),
    },
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
    },
    run: (ref, params, o) => service.run(ref, params, o),
    workers: () => listWorkers(ctx, ctx.config.workerLiveMs),
    streams: () => streamStats(redis, ctx.catalog, ctx.keys, { streamMaxLen: config.streamMaxLen, deadMaxLen: config.streams.deadMaxLen }),
    gc: (o = {}) => collectGarbage(sql, { olderThanMs: o.olderThanMs ?? config.retention.maxAgeMs, batchSize: config.retention.batchSize, dryRun: o.dryRun }),
    dlq: deadLetters(redis, ctx.catalog),
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
        else if (actor === 'webhook') {
          try {
            started.push(await startWebhookServer(ctx, name));
          } catch (err) {
            if (!o.bestEffort?.includes('webhook')) throw err;
            log.error({ err: toError(err).message, port: config.webhook.port }, 'webhook server not started (set ATTUNE_WEBHOOK_PORT)');
          }
        } else throw new ValidationError(`unknown actor "${String(actor)}" (known: ${actorNames.join(', ')})`);
      }
      running.push(...started);
      // Every process running actors offers to trim; the trim lock lets one do it per period.
      const goneAfterMs = Math.max(config.streams.goneAfterMs, config.workerLiveMs, 2 * config.consumer.blockMs);
      const hygiene = async () => {
        const pruned = await pruneGone(ctx, { liveMs: config.workerLiveMs, goneAfterMs });
        if (pruned.registrations.length + pruned.controlStreams.length + pruned.consumers.length > 0)
          log.info(pruned, 'removed what dead processes left behind');
      };
      stopTrimmer ??= startTrimmer({ redis, catalog: ctx.catalog, keys: ctx.keys, log, everyMs: config.streams.trimEveryMs, alsoEachPass: hygiene });
      return started;
    },
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
