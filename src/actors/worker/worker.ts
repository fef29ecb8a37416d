/**
 * Worker: declares runtimes and a concurrency, heartbeats into the registry, reads
 * `execution.scheduled.<runtime>` for each runtime it has (one XREADGROUP), claims each entry
 * (`claims.ts`: it never starts twice) and runs one execution machine per entry
 * (`execution-machine.ts`, effects in `run-and-report.ts`): run → report → ack, canceled or timed
 * out on the way. While an action runs its entry is leased (`lease.ts`), so only entries of dead
 * workers are claimed elsewhere. Needs only Redis.
 */
import { randomBytes } from 'node:crypto';
import type { AttuneContext, ActorHandle } from '../../context.ts';
import { createActorConsumer } from '../../context.ts';
import { toError } from '../../errors.ts';
import type { WorkerRegistration } from '../../domain/worker-selection.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { ExecutionScheduled } from '../../streams/messages.ts';
import { VERSION } from '../../version.ts';
import { createClaims } from './claims.ts';
import { readControl } from './control.ts';
import type { Claim } from './execution-machine.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startLease } from './lease.ts';
import { takeOverPredecessors } from './predecessors.ts';
import type { ExecutionRun } from './execution-run.ts';
import { deadlineOf, provideExecutionMachine } from './run-and-report.ts';
import { createStatusReporter } from './status-reporter.ts';

export interface WorkerOptions {
  id?: string;
  runtimes?: string[];
  concurrency?: number;
}

type Execution = ExecutionRun;
type Job = Delivery<ExecutionScheduled>;

export function newWorkerId(hostname: string): string {
  return `${hostname.replace(/[^A-Za-z0-9_.-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Resolves when every execution has reached a final state. */
function allDone(executions: Iterable<Execution>): Promise<unknown> {
  return Promise.all([...executions].map((e) => e.done));
}

export function startWorker(ctx: AttuneContext, options: WorkerOptions = {}): ActorHandle & { id: string } {
  const cfg = ctx.config.worker;
  const id = options.id ?? cfg.id ?? newWorkerId(ctx.config.hostname);
  const runtimes = [...new Set((options.runtimes ?? cfg.runtimes).map((r) => r.toLowerCase()))];
  const concurrency = options.concurrency ?? cfg.concurrency;
  const log = ctx.log.child({ actor: 'worker', workerId: id });
  // In-process handlers registered before start: their executions come on a stream of their own.
  const handlers = runtimes.includes('node') ? [...ctx.handlers.keys()].sort() : [];
  const streams = [...runtimes.map((r) => ctx.catalog.executionScheduled(r)), ...handlers.map((h) => ctx.catalog.executionScheduledHandler(h))];
  const startedAt = Date.now();
  const refreshEveryMs = Math.max(100, Math.floor(ctx.config.consumer.claimIdleMs / 3));
  /** Running executions by execution id; executions waiting on a stale owner by entry id. */
  const inflight = new Map<number, { delivery: Job; execution: Execution }>();
  const confirming = new Map<string, Execution>();
  let stopping = false;
  let wake: (() => void) | null = null;

  const registration = (): WorkerRegistration => ({
    id,
    host: ctx.config.hostname,
    pid: process.pid,
    version: VERSION,
    runtimes,
    handlers,
    concurrency,
    running: inflight.size,
    startedAt,
    heartbeatAt: Date.now(),
  });

  const ack = (d: Job) => consumer.ack([d]);
  const reporter = createStatusReporter(ctx, id, log);
  const previousLives = new Set<string>();
  const life = `${startedAt.toString(36)}${randomBytes(3).toString('hex')}`;
  const claims = createClaims(ctx, { workerId: id, life, isRunning: (e) => inflight.has(e), isStopping: () => stopping, refreshEveryMs, ack, previousLives });
  const launch = provideExecutionMachine({ ctx, log, reporter, claims, ack });

  /** Starts one execution (`execution-run.ts`); `onEnd` runs when it reaches a final state. */
  function startExecution(d: Job, claim: Claim, onEnd: () => void): Execution {
    const execution = launch({ job: d, claim, deadlineMs: deadlineOf(d, cfg.killGraceMs) });
    void execution.done.then(onEnd);
    return execution;
  }

  async function handle(batch: Job[]): Promise<void> {
    const claimed = await claims.claim(batch);
    const others: Promise<unknown>[] = [];
    batch.forEach((d, i) => {
      const claim = claimed[i];
      const executionId = d.message.payload.executionId;
      if (claim === undefined) return;
      if (claim.kind === 'won') {
        const execution = startExecution(d, claim, () => {
          inflight.delete(executionId);
          wake?.();
        });
        if (!execution.ended) inflight.set(executionId, { delivery: d, execution });
      } else if (claim.kind === 'stale') {
        if (confirming.has(d.entryId)) return;
        const execution = startExecution(d, claim, () => confirming.delete(d.entryId));
        if (!execution.ended) confirming.set(d.entryId, execution);
      } else {
        // canceled while queued, a previous life's run, or a duplicate message: settled before the next read
        const execution = startExecution(d, claim, () => {});
        others.push(allDone([execution]));
      }
    });
    await Promise.all(others);
  }

  const heartbeat = startHeartbeat(ctx, cfg.heartbeatMs, registration, log);
  const lease = startLease(ctx.redis, 'worker', id, refreshEveryMs, () => [...inflight.values()].map((r) => r.delivery), log);

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
      for (const e of confirming.values()) e.send({ type: 'STOP' });
      await allDone(confirming.values());
      const running = () => [...inflight.values()].map((r) => r.execution);
      // The deadline timer is cleared once everything ended: left armed, it kept an idle process alive for drainTimeoutMs.
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([allDone(running()), new Promise((r) => (deadline = setTimeout(r, cfg.drainTimeoutMs)))]);
      clearTimeout(deadline);
      if (inflight.size > 0) {
        log.warn({ running: [...inflight.keys()] }, 'drain deadline passed; stopping running actions, their entries stay pending');
        for (const e of running()) e.send({ type: 'STOP' });
        await allDone(running());
      }
    },
  });
  // A dead predecessor's entries first, so the first read of the own pending list drains them.
  const tookOver = takeOverPredecessors(ctx, streams, 'worker', id, log)
    .then((ids) => ids.forEach((p) => previousLives.add(p)))
    .catch((err: unknown) => log.warn({ err: toError(err).message }, 'taking over dead predecessors failed; their entries wait for the claim timeout'))
    .finally(() => {
      if (!stopping) consumer.start();
    });
  const control = readControl(ctx, id, log, (m) => {
    const run = inflight.get(m.executionId);
    if (!run) return; // not here (finished, or never started: the cancel marker covers that)
    log.info({ executionId: m.executionId, trace: run.delivery.message.trace }, 'canceling running execution');
    run.execution.send({ type: 'CANCEL' });
  });
  log.info({ runtimes, concurrency }, 'worker started');

  return {
    name: 'worker',
    id,
    state: () => consumer.state(),
    stop: async () => {
      stopping = true;
      wake?.();
      await tookOver;
      await consumer.stop();
      await control.stop();
      await lease.stop();
      await heartbeat.stop();
    },
  };
}
