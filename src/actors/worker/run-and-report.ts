/**
 * The effects of the execution machine, provided once per worker: run the action (secrets
 * decrypted here only, and masked again in everything reported), report `running` and the
 * outcome, report what was never run, ack, and confirm a lost owner.
 */
import type { Logger } from 'pino';
import { decryptSecrets, maskDeep, secretKey, secretTexts, storable } from '../../actions/secrets.ts';
import type { AttuneContext } from '../../context.ts';
import { crashPoint } from '../../crash-point.ts';
import { toError } from '../../errors.ts';
import { runAction } from '../../runtimes/run-action.ts';
import type { RunOutcome } from '../../runtimes/types.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { ExecutionScheduled } from '../../streams/messages.ts';
import type { Claims } from './claims.ts';
import { createExecutionMachine, type ExecutionEffects, type ExecutionInput } from './execution-machine.ts';
import { launchExecution, type ExecutionRun } from './execution-run.ts';
import { provideEffects } from './execution-effects.ts';
import { liveOutput, type LiveOutput } from './live-output.ts';
import type { StatusReporter } from './status-reporter.ts';

export type Job = Delivery<ExecutionScheduled>;

export interface RunAndReportDeps {
  ctx: AttuneContext;
  log: Logger;
  reporter: StatusReporter;
  claims: Claims;
  ack(d: Job): Promise<void>;
}

/** Margin past the runtime's own timeout and kill grace before the machine gives up on a run. */
export const DEADLINE_SLACK_MS = 1000;

const executionMachine = createExecutionMachine<Job>();

/** What the run hands back, secrets masked: the run's masked outcome stays with the machine. */
async function run(deps: RunAndReportDeps, d: Job, signal: AbortSignal): Promise<RunOutcome> {
  const { ctx, log } = deps;
  const m = d.message.payload;
  crashPoint(ctx.config, 'worker.after-claim');
  log.info({ executionId: m.executionId, action: m.action.ref, trace: d.message.trace }, 'execution started');
  const cfg = ctx.config.worker;
  let hide: string[] = [];
  let outcome: RunOutcome;
  let live: LiveOutput | null = null;
  try {
    let params = m.parameters;
    if (m.secrets) {
      const sealed = decryptSecrets(await secretKey(ctx), m.secrets);
      params = { ...params, ...sealed.verbatim, ...sealed.secrets };
      hide = secretTexts(sealed.secrets);
    }
    const limits = { timeoutMs: m.timeoutMs, outputLimitBytes: cfg.outputLimitBytes, killGraceMs: cfg.killGraceMs };
    const runCtx = { executionId: m.executionId, actionRef: m.action.ref, trace: d.message.trace, attempt: m.attempt };
    live = liveOutput(ctx, m.executionId, hide, log);
    outcome = await runAction(m.action, params, runCtx, limits, { signal, handlers: ctx.handlers, log, onOutput: live.push });
  } catch (err) {
    outcome = { status: 'failed', exitCode: null, stdout: '', stderr: '', result: {}, reason: `runtime error: ${toError(err).message}` };
  }
  await live?.end(outcome.status);
  return storable(maskDeep(outcome, hide)); // no secret, and no NUL (Postgres refuses it)
}

/** The machine's deadline for a job: its timeout, the kill grace and a slack; null without a timeout. */
export function deadlineOf(d: Job, killGraceMs: number): number | null {
  const t = d.message.payload.timeoutMs;
  return t > 0 && Number.isFinite(t) ? t + killGraceMs + DEADLINE_SLACK_MS : null;
}

/** The execution machine with this worker's effects, once per worker; returns how to start one execution. */
export function provideExecutionMachine(deps: RunAndReportDeps): (input: ExecutionInput<Job>) => ExecutionRun {
  const effects = executionEffects(deps);
  const machine = provideEffects(executionMachine, effects);
  return (input) => launchExecution(machine, effects, input);
}

function executionEffects(deps: RunAndReportDeps): ExecutionEffects<Job> {
  const { log, reporter } = deps;
  const idOf = (d: Job) => d.message.payload.executionId;
  return {
    run: ({ job, signal }) => run(deps, job, signal),
    reportRunning: ({ job, startedAt }) =>
      reporter
        .persist('running report', () => reporter.report({ executionId: idOf(job), status: 'running', startedAt }, job.message.trace))
        .catch((err: unknown) => {
          log.warn({ err: toError(err).message, executionId: idOf(job), trace: job.message.trace }, 'running report lost; the outcome carries startedAt');
        }),
    reportOutcome: async ({ job, outcome, startedAt }) => {
      const { status, result, exitCode, stdout, stderr, reason } = outcome;
      const msg = { executionId: idOf(job), status, result, exitCode, stdout, stderr, reason, startedAt };
      await reporter.persist('outcome report', () => reporter.report(msg, job.message.trace));
      log.info({ executionId: idOf(job), action: job.message.payload.action.ref, status, trace: job.message.trace }, `execution ${status}`);
    },
    reportSkipped: async ({ job, status, reason, ranBy }) => {
      await reporter.report({ executionId: idOf(job), status, reason, ...(ranBy ? { workerId: ranBy } : {}) }, job.message.trace);
      log[status === 'abandoned' ? 'warn' : 'info']({ executionId: idOf(job), reason, trace: job.message.trace }, `execution ${status}`);
    },
    ack: async ({ job, ran }) => {
      if (ran) crashPoint(deps.ctx.config, 'worker.before-ack');
      // The claim is taken, so the cancel marker is never read again: it goes in the same tick as the
      // XACK (one pipelined write, not a second one after it). The claim itself stays (its TTL): it is
      // what keeps a duplicate or republished entry from running the action twice.
      const forget = deps.ctx.redis.del(deps.ctx.keys.executionCancel(idOf(job))).catch(() => 0);
      await reporter.persist('ack', () => deps.ack(job));
      await forget;
    },
    confirmLost: async ({ job, owner }) => {
      const verdict = await deps.claims.confirmLost(job, owner);
      if (verdict === 'alive') log.info({ executionId: idOf(job), owner }, 'owner of a claimed execution is alive; left to it');
      return verdict;
    },
    reportFailure: ({ job, error }) => log.error({ err: toError(error).message, executionId: idOf(job) }, 'execution bookkeeping failed; entry left pending'),
  };
}
