/**
 * Manual runs, cancel and rerun (StackStorm's `st2 run`, `st2 execution cancel|re-run`): the
 * library's `run()` and `executions.cancel|rerun`, used by the CLI.
 *
 * Cancel: a queued execution (`requested`, `scheduled`, `delayed`) becomes `canceled` by one
 * conditional update, and a cancel marker in Redis tells any worker that already holds its entry
 * not to start it; a running one becomes `canceling` and its worker (claim key) is told on
 * `worker.<id>.control`: SIGTERM, SIGKILL after the grace period, then it reports `canceled`.
 */
import { parametersSpecSchema, validateParameters, type ParametersSpec } from './actions/parameters.ts';
import { protectSecrets } from './actions/secrets.ts';
import type { AttuneContext } from './context.ts';
import type { Sql } from './db/sql.ts';
import { getExecution, waitForExecution, type ExecutionRow } from './db/executions-repo.ts';
import { isTerminal } from './domain/execution-lifecycle.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { newId } from './streams/codec.ts';

/** A cancel marker outlives any entry that could still be delivered. */
const CANCEL_MARKER_TTL_S = 7 * 24 * 3600;

export interface RunOptions {
  /** Overrides the action's timeout for this execution. */
  timeoutMs?: number;
  /** Resolve with the finished execution instead of the requested one. */
  wait?: boolean;
  /** How long `wait` waits (default: the timeout plus a minute, or 10 minutes). */
  waitTimeoutMs?: number;
  trace?: string;
}

export interface ActionInfo {
  ref: string;
  runtime: string;
  parameters: ParametersSpec;
}

export function executionsService(ctx: AttuneContext, sql: Sql) {
  async function describeAction(ref: string): Promise<ActionInfo> {
    const [row] = await sql<{ ref: string; runtime: string; parameters: unknown }[]>`select ref, runtime, parameters from action where ref = ${ref}`;
    if (!row) throw new NotFoundError(`action "${ref}" does not exist (load its pack first)`);
    return { ref: row.ref, runtime: row.runtime, parameters: parametersSpecSchema.parse(row.parameters) };
  }

  async function request(e: { actionRef: string; parameters: Record<string, unknown>; secrets: string | null; timeoutMs: number | null; trace: string; attempt: number; retryOf: number | null }): Promise<ExecutionRow> {
    const [row] = await sql<ExecutionRow[]>`
      insert into execution (action_ref, parameters, secrets, status, trace, timeout_ms, attempt, retry_of)
      values (${e.actionRef}, ${sql.json(e.parameters as never)}, ${e.secrets}, 'requested', ${e.trace}, ${e.timeoutMs}, ${e.attempt}, ${e.retryOf})
      returning *`;
    if (!row) throw new Error('insert of the execution returned nothing');
    await ctx.publisher.publish(ctx.catalog.executionRequested, { executionId: row.id }, { trace: e.trace });
    ctx.log.info({ executionId: row.id, action: e.actionRef, trace: e.trace, retryOf: e.retryOf }, 'execution requested');
    return withoutSecrets(row);
  }

  async function finish(row: ExecutionRow, o: RunOptions): Promise<ExecutionRow> {
    if (!o.wait) return row;
    const timeoutMs = (row as ExecutionRow & { timeout_ms?: number | null }).timeout_ms;
    const limit = o.waitTimeoutMs ?? (timeoutMs ? timeoutMs + 60_000 : 600_000);
    return withoutSecrets(await waitForExecution(sql, row.id, { timeoutMs: limit }));
  }

  return {
    describeAction,

    /** Validates the parameters (errors name them) and requests an execution without a rule. */
    async run(actionRef: string, params: Record<string, unknown> = {}, o: RunOptions = {}): Promise<ExecutionRow> {
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ValidationError('parameters must be an object');
      if (o.timeoutMs !== undefined && (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1)) {
        throw new ValidationError(`timeoutMs must be a positive integer, got ${String(o.timeoutMs)}`);
      }
      const action = await describeAction(actionRef);
      const checked = validateParameters(action.parameters, params);
      if (!checked.ok) throw new ValidationError(`cannot run ${actionRef}: ${checked.errors.join('; ')}`);
      const kept = await protectSecrets(ctx, action.parameters, checked.values);
      const row = await request({ actionRef, ...kept, timeoutMs: o.timeoutMs ?? null, trace: o.trace ?? newId(), attempt: 1, retryOf: null });
      return finish(row, o);
    },

    /** Runs the same action with the same parameters (secrets included) again, linked by `retry_of`. */
    async rerun(id: number, o: RunOptions = {}): Promise<ExecutionRow> {
      const [orig] = await sql<(ExecutionRow & { secrets: string | null; timeout_ms: number | null })[]>`select * from execution where id = ${id}`;
      if (!orig) throw new NotFoundError(`execution ${id} does not exist`);
      const row = await request({
        actionRef: orig.action_ref,
        parameters: orig.parameters,
        secrets: orig.secrets,
        timeoutMs: o.timeoutMs ?? orig.timeout_ms,
        trace: o.trace ?? newId(),
        attempt: orig.attempt + 1,
        retryOf: orig.id,
      });
      return finish(row, o);
    },

    /** Cancels a queued or running execution; a finished one is an error that says its status. */
    async cancel(id: number): Promise<ExecutionRow> {
      // The marker first: a worker that claims the entry after this sees it and never starts.
      await ctx.redis.set(ctx.keys.executionCancel(id), '1', 'EX', CANCEL_MARKER_TTL_S);
      const [queued] = await sql<ExecutionRow[]>`
        update execution set status = 'canceled', status_reason = 'canceled before it started', finished_at = now(), updated_at = now()
        where id = ${id} and status in ('requested', 'scheduled', 'delayed') returning *`;
      const [running] = queued
        ? []
        : await sql<ExecutionRow[]>`
            update execution set status = 'canceling', status_reason = 'cancel requested', updated_at = now()
            where id = ${id} and status in ('running', 'canceling') returning *`;
      const row = queued ?? running;
      if (!row) {
        await ctx.redis.del(ctx.keys.executionCancel(id)); // nothing left to stop
        const current = await getExecution(sql, id);
        if (!current) throw new NotFoundError(`execution ${id} does not exist`);
        if (isTerminal(current.status)) throw new ValidationError(`execution ${id} already ended ${current.status}; nothing to cancel`);
        throw new ValidationError(`execution ${id} is ${current.status}; it cannot be canceled now`);
      }
      // A worker may hold it already (scheduled, its `running` report not yet applied): tell it.
      const owner = row.worker_id ?? (await ctx.redis.get(ctx.keys.executionClaim(id)));
      if (owner) await ctx.publisher.publish(ctx.catalog.workerControl(owner), { command: 'cancel', executionId: id }, { trace: row.trace });
      ctx.log.info({ executionId: id, status: row.status, worker: owner, trace: row.trace }, 'execution cancel requested');
      return withoutSecrets(row);
    },
  };
}
export type ExecutionsService = ReturnType<typeof executionsService>;

/** The encrypted secrets stay in the database. */
export function withoutSecrets(row: ExecutionRow): ExecutionRow {
  const { secrets: _s, ...rest } = row as ExecutionRow & { secrets?: unknown };
  return rest;
}
