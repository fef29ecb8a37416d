/** The library: `createAttune(options)` → packs, emit, executions, start/stop. */
import { ConfigError, resolveConfig } from './config.ts';
import { misspeltEnv } from './config-env.ts';
import { createContext, type ActorHandle } from './context.ts';
import { createSql } from './db/sql.ts';
import { migrate, pendingMigrations } from './db/migrate.ts';
import { collectGarbage } from './db/retention.ts';
import type { PackLoadResult } from './db/packs-repo.ts';
import { countExecutions, executionChain, getExecution, listExecutions, waitForExecution } from './db/executions-repo.ts';
import { executionTree } from './db/workflow-reads.ts';
import { issuesLine, NotMigratedError, ValidationError, withDeadline } from './errors.ts';
import { workflowControl } from './workflows/workflow-control.ts';
import { coreHttp } from './actions/core-http.ts';
import { coreSleep } from './actions/core-sleep.ts';
import { executionsService, withoutSecrets, type RunOptions } from './executions-service.ts';
import { listWorkers } from './registry/worker-registry.ts';
import { createLogger } from './logger.ts';
import { guardProcess } from './process-guard.ts';
import { corePackDir } from './packs/core-pack.ts';
import { loadPackDir } from './packs/load.ts';
import { runtimeProblem } from './domain/runtime-names.ts';
import { savePack } from './packs/save.ts';
import { saveDefinitions, type ActionParams, type Definition, type TriggerPayloads } from './packs/code-definitions.ts';
import { killRunningGroups } from './runtimes/running-groups.ts';
import { resolveServices } from './services.ts';
import { createRulesApi } from './rules/rules-api.ts';
import { emitEvent, type EmitOptions } from './triggers/emit.ts';
import { sealPlainTriggerInstances } from './triggers/trigger-secrets.ts';
import { secretKey } from './actions/secrets.ts';
import { createPayloadChecker } from './triggers/payload-check.ts';
import { createRedis } from './streams/redis.ts';
import { deadLetters } from './streams/dlq.ts';
import { streamStats } from './streams/stats.ts';
import { startTrimmer } from './streams/trimmer.ts';
import { hygienePass } from './registry/consumer-hygiene.ts';
import { startEnforcer } from './actors/enforcer.ts';
import { startManager } from './actors/manager.ts';
import { startWorkflowActor } from './actors/workflow/workflow-actor.ts';
import { startScheduler } from './actors/scheduler.ts';
import { startSensor } from './actors/sensor/sensor.ts';
import { newWorkerId, startWorker } from './actors/worker/worker.ts';
import { operations } from './facade/operations.ts';
import { checkHealth } from './facade/health.ts';
import { defaultActors, type Attune, type AttuneCreateOptions } from './facade/attune-api.ts';
import { failAfterStop } from './facade/after-stop.ts';
import * as args from './facade/arguments.ts';

export { actorNames, defaultActors } from './facade/attune-api.ts';
export type { ActorName, Attune, AttuneCreateOptions, StartOptions } from './facade/attune-api.ts';
export type { EmitOptions };

/** How long `health()` waits for each of Redis and PostgreSQL. */
const HEALTH_TIMEOUT_MS = 2000;

export async function createAttune<const D extends readonly Definition[] = []>(
  options: AttuneCreateOptions<D> = {},
): Promise<Attune<TriggerPayloads<D>, ActionParams<D>>> {
  const given = args.createOptionsSchema.safeParse(options);
  if (!given.success) throw new ConfigError(`invalid Attune options: ${issuesLine(given.error)}`);
  const { definitions = [], ...rest } = options;
  const config = resolveConfig(rest);
  const log = options.logger ?? createLogger(config.logLevel);
  for (const warning of misspeltEnv()) log.warn(warning);
  // Guarded from the first connection on: a service restarting while this process still starts
  // must not end it through a client library's stray rejection (see process-guard.ts).
  let unguard: (() => void) | null = guardProcess(log);
  let services: Awaited<ReturnType<typeof resolveServices>>;
  try {
    services = await resolveServices(config, log);
  } catch (err) {
    unguard();
    throw err;
  }
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
  let stopTrimmer: (() => Promise<void>) | null = null;
  const name = newWorkerId(config.hostname);
  const payloads = createPayloadChecker(sql);
  const triggers = new Map(definitions.flatMap((d) => (d.kind === 'trigger' ? [[d.ref, d] as const] : [])));
  const actions = new Map(definitions.flatMap((d) => (d.kind !== 'trigger' ? [[d.ref, d] as const] : [])));
  for (const a of actions.values()) {
    if (a.kind === 'action') ctx.handlers.set(a.ref, a.handler);
    else ctx.workflows.set(a.ref, a.machine);
  }
  async function loadPack(dir: string): Promise<PackLoadResult> {
    const result = await savePack(sql, await loadPackDir(dir), () => secretKey(ctx));
    await ctx.publisher.publish(ctx.catalog.ruleChanged, { reason: `pack ${result.pack} loaded`, refs: [] });
    return result;
  }
  const ops = operations(ctx, sql);

  let stopped = false;
  const api: Attune<TriggerPayloads<D>, ActionParams<D>> = {
    config,
    log,
    async migrate() {
      const result = await migrate(sql, config.schema);
      // credentials stored plain before migration 0050 (or by an older process since): the key is not in the database
      return { ...result, sealed: await sealPlainTriggerInstances(sql, () => secretKey(ctx)) };
    },
    packs: { load: loadPack, loadCore: () => loadPack(corePackDir), list: ops.catalog.packs },
    actions: {
      handle(ref, handler) {
        if (typeof handler !== 'function') throw new ValidationError(`actions.handle("${ref}"): handler must be a function, got ${typeof handler}`);
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
    emit: async (ref: string, payload: unknown = {}, given?: EmitOptions) => {
      const o = args.options(args.emitOptionsSchema, given, 'emit options');
      const values = payload as Record<string, unknown>;
      return emitEvent(ctx, payloads, ref, triggers.get(ref)?.parse(values) ?? values, o);
    },
    executions: {
      get: async (id) => {
        const row = await getExecution(sql, args.executionId(id, 'executions.get'));
        return row && withoutSecrets(row);
      },
      list: async (o) => (await listExecutions(sql, args.options(args.listOptionsSchema, o, 'executions.list options'))).map(withoutSecrets),
      wait: async (id, o) =>
        withoutSecrets(
          await waitForExecution(sql, args.executionId(id, 'executions.wait'), args.options(args.waitOptionsSchema, o, 'executions.wait options')),
        ),
      chain: async (id) => executionChain(sql, args.executionId(id, 'executions.chain')),
      cancel: async (id) => {
        const row = await service.cancel(args.executionId(id, 'executions.cancel'));
        if (row.status === 'canceling') await workflows.afterCancel(id);
        return row;
      },
      tree: async (id) => executionTree(sql, args.executionId(id, 'executions.tree')),
      rerun: async (id, o) => service.rerun(args.executionId(id, 'executions.rerun'), args.options(args.rerunOptionsSchema, o, 'executions.rerun options')),
      children: async (id) => (await listExecutions(sql, { parent: args.executionId(id, 'executions.children'), limit: 10_000 })).map(withoutSecrets),
      counts: () => countExecutions(sql),
      watch: ops.live.watch,
      changes: ops.live.changes,
    },
    workflows: {
      pause: async (id) => workflows.pause(args.executionId(id, 'workflows.pause')),
      resume: async (id) => workflows.resume(args.executionId(id, 'workflows.resume')),
      show: (ref) => workflows.show(ref),
    },
    run: async (ref: string, params: unknown = {}, given?: RunOptions) => {
      const o = args.options(args.runOptionsSchema, given, 'run options');
      const values = params as Record<string, unknown>;
      actions.get(ref)?.check(values);
      return service.run(ref, values, o);
    },
    saveDefinitions: () => saveDefinitions(sql, definitions),
    workers: () => listWorkers(ctx, ctx.config.workerLiveMs),
    health: () => checkHealth({ redis, sql: config.useDatabase ? sql : null, actors: running, timeoutMs: HEALTH_TIMEOUT_MS }),
    streams: () => streamStats(redis, ctx.catalog, ctx.keys, { streamMaxLen: config.streamMaxLen, deadMaxLen: config.streams.deadMaxLen }),
    gc: async (given) => {
      const o = args.options(args.gcOptionsSchema, given, 'gc options');
      return collectGarbage(sql, { olderThanMs: o.olderThanMs ?? config.retention.maxAgeMs, batchSize: config.retention.batchSize, dryRun: o.dryRun });
    },
    dlq: deadLetters(redis, ctx.catalog),
    async start(given) {
      const o = args.options(args.startOptionsSchema, given, 'start options');
      const wanted = o.actors ?? defaultActors;
      const twice = wanted.find((a, i) => wanted.indexOf(a) !== i || running.some((r) => r.name === a));
      if (twice) throw new ValidationError(`start options: actors: "${twice}" is already running in this instance (each actor runs once per createAttune)`);
      const badRuntime = (o.runtimes ?? []).map((r) => runtimeProblem(r)).find((p) => p !== null);
      if (badRuntime) throw new ValidationError(`runtimes: ${badRuntime}`);
      if (config.useDatabase && wanted.some((a) => a !== 'worker')) {
        const pending = await withDeadline(pendingMigrations(sql, config.schema), config.startTimeoutMs, 'PostgreSQL (checking migrations at start)');
        if (pending.length > 0)
          throw new NotMigratedError(
            `database schema "${config.schema}" is not migrated (${pending.length} pending: ${pending.join(', ')}): run \`attune migrate\` (or \`attune up --migrate\`)`,
          );
      }
      if (definitions.length > 0 && config.useDatabase)
        await withDeadline(saveDefinitions(sql, definitions), config.startTimeoutMs, 'PostgreSQL (saving code-first definitions at start)');
      const started: ActorHandle[] = [];
      for (const actor of wanted) {
        if (actor === 'sensor') started.push(startSensor(ctx, name));
        else if (actor === 'enforcer') started.push(startEnforcer(ctx, name));
        else if (actor === 'scheduler') started.push(startScheduler(ctx, name));
        else if (actor === 'manager') started.push(startManager(ctx, name));
        else if (actor === 'workflow') started.push(startWorkflowActor(ctx, name));
        else started.push(startWorker(ctx, { runtimes: o.runtimes, concurrency: o.concurrency }));
      }
      running.push(...started);
      // Every process running actors offers to trim; the trim lock lets one do it per period.
      const trim = { redis, catalog: ctx.catalog, keys: ctx.keys, log, everyMs: config.streams.trimEveryMs };
      stopTrimmer ??= startTrimmer({ ...trim, alsoEachPass: hygienePass(ctx, log) });
      return started;
    },
    killRunningActions: () => killRunningGroups(),
    async stop() {
      stopped = true;
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
  return failAfterStop(api, () => stopped);
}
