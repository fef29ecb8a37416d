/**
 * Worker: declares runtimes and a concurrency, heartbeats into the registry, reads
 * `execution.scheduled.<runtime>` for each runtime it has (one XREADGROUP), and for each entry:
 * claims the execution (SET NX: it never starts twice) → reports `running` → runs the action →
 * reports the outcome → acks. While an action runs its entry is kept fresh (XCLAIM … JUSTID), so only
 * entries of dead workers are claimed elsewhere; such an entry, found already claimed by a worker
 * that is no longer alive, is reported `abandoned` instead of being run again. Needs only Redis.
 */
import { randomBytes } from 'node:crypto';
import type { AttuneContext, ActorHandle } from '../../context.ts';
import { createActorConsumer } from '../../context.ts';
import { isLive, type WorkerRegistration } from '../../domain/worker-selection.ts';
import { decryptSecrets, maskDeep, secretKey, secretTexts, storable } from '../../actions/secrets.ts';
import { toError } from '../../errors.ts';
import { runAction } from '../../runtimes/run-action.ts';
import { liveOutput, type LiveOutput } from './live-output.ts';
import type { RunOutcome } from '../../runtimes/types.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { ExecutionScheduled, ExecutionStatusReport } from '../../streams/messages.ts';
import { readControl } from './control.ts';
import { readRegistrations, removeRegistration, writeRegistration } from './registry.ts';
import { crashPoint } from '../../crash-point.ts';

const VERSION = '0.1.0';
const CLAIM_TTL_S = 7 * 24 * 3600;
/**
 * `running` is reported only for actions still running after this long; a faster action's outcome
 * carries its `startedAt` instead. Half the status traffic for quick actions, same stored rows.
 */
const RUNNING_REPORT_AFTER_MS = 100;

export interface WorkerOptions {
  id?: string;
  runtimes?: string[];
  concurrency?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function newWorkerId(hostname: string): string {
  return `${hostname.replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function startWorker(ctx: AttuneContext, options: WorkerOptions = {}): ActorHandle & { id: string } {
  const cfg = ctx.config.worker;
  const id = options.id ?? cfg.id ?? newWorkerId(ctx.config.hostname);
  const runtimes = [...new Set((options.runtimes ?? cfg.runtimes).map((r) => r.toLowerCase()))];
  const concurrency = options.concurrency ?? cfg.concurrency;
  const log = ctx.log.child({ actor: 'worker', workerId: id });
  const streams = runtimes.map((r) => ctx.catalog.executionScheduled(r));
  const inflight = new Map<number, { delivery: Delivery<ExecutionScheduled>; abort: AbortController; done: Promise<void> }>();
  const startedAt = Date.now();
  const confirming = new Map<string, Promise<void>>();
  const refreshEveryMs = Math.max(100, Math.floor(ctx.config.consumer.claimIdleMs / 3));
  let stopping = false;
  let wake: (() => void) | null = null;

  const registration = (): WorkerRegistration => ({
    id,
    host: ctx.config.hostname,
    pid: process.pid,
    version: VERSION,
    runtimes,
    concurrency,
    running: inflight.size,
    startedAt,
    heartbeatAt: Date.now(),
  });

  async function report(msg: Omit<ExecutionStatusReport, 'workerId' | 'at'>, trace: string): Promise<void> {
    await ctx.publisher.publish(ctx.catalog.executionStatus, { ...msg, workerId: id, at: new Date().toISOString() }, { trace });
  }

  /** Retries a Redis write until it lands or the worker is told to give up. */
  async function persist(what: string, fn: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn();
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        log.warn({ err: toError(err).message, attempt }, `${what} failed; retrying`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
      }
    }
  }

  async function execute(d: Delivery<ExecutionScheduled>, abort: AbortController): Promise<void> {
    const m = d.message.payload;
    const trace = d.message.trace;
    const ctxRun = { executionId: m.executionId, actionRef: m.action.ref, trace, attempt: m.attempt };
    crashPoint(ctx.config, 'worker.after-claim');
    const startedAt = new Date().toISOString();
    const reported: { running: Promise<void> | null } = { running: null };
    const runningTimer = setTimeout(() => {
      reported.running = persist('running report', () => report({ executionId: m.executionId, status: 'running', startedAt }, trace)).catch((err: unknown) =>
        log.warn({ err: toError(err).message, executionId: m.executionId, trace }, 'running report lost; the outcome carries startedAt'),
      );
    }, RUNNING_REPORT_AFTER_MS);
    log.info({ executionId: m.executionId, action: m.action.ref, trace }, 'execution started');
    let outcome: RunOutcome;
    let hide: string[] = [];
    let live: LiveOutput | null = null;
    try {
      let params = m.parameters;
      if (m.secrets) {
        // Secrets are decrypted here only, and masked again in everything reported.
        const sealed = decryptSecrets(await secretKey(ctx), m.secrets);
        params = { ...params, ...sealed.verbatim, ...sealed.secrets };
        hide = secretTexts(sealed.secrets);
      }
      const limits = { timeoutMs: m.timeoutMs, outputLimitBytes: cfg.outputLimitBytes, killGraceMs: cfg.killGraceMs };
      live = liveOutput(ctx, m.executionId, hide, log);
      outcome = await runAction(m.action, params, ctxRun, limits, { signal: abort.signal, handlers: ctx.handlers, log, onOutput: live.push });
    } catch (err) {
      outcome = { status: 'failed', exitCode: null, stdout: '', stderr: '', result: {}, reason: `runtime error: ${toError(err).message}` };
    }
    clearTimeout(runningTimer);
    if (reported.running) await reported.running; // the outcome goes after its `running` report
    if (abort.signal.aborted && abort.signal.reason === 'stop') return; // shut down mid-run: left pending for another worker
    outcome = storable(maskDeep(outcome, hide)); // no secret, and no NUL (Postgres refuses it)
    await live?.end(outcome.status);
    await persist('outcome report', () =>
      report(
        {
          executionId: m.executionId,
          status: outcome.status,
          result: outcome.result,
          exitCode: outcome.exitCode,
          stdout: outcome.stdout,
          stderr: outcome.stderr,
          reason: outcome.reason,
          startedAt,
        },
        trace,
      ),
    );
    crashPoint(ctx.config, 'worker.before-ack');
    await persist('ack', () => consumer.ack([d]));
    log.info({ executionId: m.executionId, action: m.action.ref, status: outcome.status, trace }, `execution ${outcome.status}`);
  }

  async function handle(batch: Delivery<ExecutionScheduled>[]): Promise<void> {
    const pipe = ctx.redis.pipeline();
    for (const d of batch) {
      pipe.set(ctx.keys.executionClaim(d.message.payload.executionId), id, 'EX', CLAIM_TTL_S, 'NX');
      pipe.exists(ctx.keys.executionCancel(d.message.payload.executionId));
    }
    const replies = (await pipe.exec()) ?? [];
    const lost: Delivery<ExecutionScheduled>[] = [];
    const canceled: Delivery<ExecutionScheduled>[] = [];
    batch.forEach((d, i) => {
      const [err, res] = replies[2 * i] ?? [new Error('no reply'), null];
      const [cancelErr, cancelMarked] = replies[2 * i + 1] ?? [new Error('no reply'), null];
      if (err) throw err;
      if (cancelErr) throw cancelErr;
      if (res !== 'OK') {
        lost.push(d);
        return;
      }
      if (cancelMarked === 1) {
        canceled.push(d);
        return;
      }
      const abort = new AbortController();
      const done = execute(d, abort)
        .catch((e: unknown) =>
          log.error({ err: toError(e).message, executionId: d.message.payload.executionId }, 'execution bookkeeping failed; entry left pending'),
        )
        .finally(() => {
          inflight.delete(d.message.payload.executionId);
          wake?.();
        });
      inflight.set(d.message.payload.executionId, { delivery: d, abort, done });
    });
    if (lost.length > 0) await handleAlreadyClaimed(lost);
    if (canceled.length > 0) await skipCanceled(canceled);
  }

  /** Canceled while queued: never started; the report is harmless if the row says so already. */
  async function skipCanceled(batch: Delivery<ExecutionScheduled>[]): Promise<void> {
    for (const d of batch) {
      await report({ executionId: d.message.payload.executionId, status: 'canceled', reason: 'canceled before it started' }, d.message.trace);
      log.info({ executionId: d.message.payload.executionId, trace: d.message.trace }, 'execution canceled before it started');
    }
    await consumer.ack(batch);
  }

  function cancelRunning(executionId: number): void {
    const run = inflight.get(executionId);
    if (!run) return; // not here (finished, or never started: the cancel marker covers that)
    log.info({ executionId, trace: run.delivery.message.trace }, 'canceling running execution');
    run.abort.abort('cancel');
  }

  /** The execution was started before: by a live worker (a duplicate message) or by a lost one. */
  async function handleAlreadyClaimed(batch: Delivery<ExecutionScheduled>[]): Promise<void> {
    const owners = await ctx.redis.mget(...batch.map((d) => ctx.keys.executionClaim(d.message.payload.executionId)));
    const workers = await readRegistrations(ctx);
    const now = Date.now();
    const duplicates: Delivery<ExecutionScheduled>[] = [];
    for (const [i, d] of batch.entries()) {
      const owner = owners[i] ?? null;
      const alive = workers.some((w) => w.id === owner && isLive(w, now, ctx.config.workerLiveMs));
      // Our own claim without a run in hand means a previous life of this worker id ran it.
      if (owner === id && !inflight.has(d.message.payload.executionId)) await abandon(d, owner);
      else if (owner === null || owner === id || alive) duplicates.push(d);
      else if (!confirming.has(d.entryId)) {
        confirming.set(
          d.entryId,
          confirmLost(d, owner)
            .catch((err: unknown) => log.warn({ err: toError(err).message, entryId: d.entryId }, 'checking a lost worker failed; entry left pending'))
            .finally(() => confirming.delete(d.entryId)),
        );
      }
    }
    await consumer.ack(duplicates);
  }

  async function abandon(d: Delivery<ExecutionScheduled>, owner: string): Promise<void> {
    const reason = `worker ${owner} was lost while running this execution; not run again`;
    await report({ executionId: d.message.payload.executionId, status: 'abandoned', reason }, d.message.trace);
    log.warn({ executionId: d.message.payload.executionId, owner, trace: d.message.trace }, 'execution abandoned');
    await consumer.ack([d]);
  }

  /**
   * The owner's heartbeat is stale: it died, or it only lost touch with Redis for a moment (a Redis
   * restart stalls every heartbeat and refresh at once). Watch for a fresh heartbeat for one liveness
   * period before declaring the run lost; a live owner takes its entry back with its next refresh.
   */
  async function confirmLost(d: Delivery<ExecutionScheduled>, owner: string): Promise<void> {
    const since = Date.now();
    const deadline = since + ctx.config.workerLiveMs + 2 * cfg.heartbeatMs;
    while (Date.now() < deadline) {
      await sleep(cfg.heartbeatMs);
      if (stopping) return; // left pending for others
      const back = (await readRegistrations(ctx)).find((w) => w.id === owner && w.heartbeatAt > since);
      if (back) {
        await sleep(refreshEveryMs + cfg.heartbeatMs);
        const [row] = (await ctx.redis.xpending(d.def.key, 'worker', d.entryId, d.entryId, 1)) as [string, string][];
        if (row?.[1] === id) await consumer.ack([d]); // a copy its owner does not hold
        log.info({ executionId: d.message.payload.executionId, owner }, 'owner of a claimed execution is alive; left to it');
        return;
      }
    }
    await abandon(d, owner);
  }

  /** Keeps the entries of running actions fresh, so that no other worker claims them. */
  async function refresh(): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const { delivery } of inflight.values()) byStream.set(delivery.def.key, [...(byStream.get(delivery.def.key) ?? []), delivery.entryId]);
    await Promise.all([...byStream].map(([key, ids]) => ctx.redis.xclaim(key, 'worker', id, 0, ...ids, 'JUSTID')));
  }

  const beat = () => writeRegistration(ctx, registration()).catch((err: unknown) => log.warn({ err: toError(err).message }, 'heartbeat failed'));
  void beat();
  const heartbeat = setInterval(() => void beat(), cfg.heartbeatMs);
  const refresher = setInterval(
    () => void refresh().catch((err: unknown) => log.warn({ err: toError(err).message }, 'refreshing running entries failed')),
    refreshEveryMs,
  );

  const consumer = createActorConsumer<ExecutionScheduled>(ctx, {
    name: 'worker',
    streams,
    group: 'worker',
    consumer: id,
    log,
    handle,
    ackMode: 'manual',
    capacity: () => concurrency - inflight.size,
    waitForCapacity: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          wake = null;
          resolve();
        };
      }),
    drain: async () => {
      await Promise.all(confirming.values());
      const deadline = Date.now() + cfg.drainTimeoutMs;
      while (inflight.size > 0 && Date.now() < deadline) {
        await Promise.race([Promise.all([...inflight.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      }
      if (inflight.size > 0) {
        log.warn({ running: [...inflight.keys()] }, 'drain deadline passed; stopping running actions, their entries stay pending');
        for (const r of inflight.values()) r.abort.abort('stop');
        await Promise.all([...inflight.values()].map((r) => r.done));
      }
    },
  });
  consumer.start();
  const control = readControl(ctx, id, log, (m) => cancelRunning(m.executionId));
  log.info({ runtimes, concurrency }, 'worker started');

  return {
    name: 'worker',
    id,
    state: () => consumer.state(),
    stop: async () => {
      stopping = true;
      wake?.();
      await consumer.stop();
      await control.stop();
      clearInterval(heartbeat);
      clearInterval(refresher);
      await removeRegistration(ctx, id).catch((err: unknown) =>
        log.warn({ err: toError(err).message }, 'could not remove the registration; it shows dead after workerLiveMs'),
      );
    },
  };
}
