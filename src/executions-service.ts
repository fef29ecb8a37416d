/**
 * Manual runs, cancel and rerun (StackStorm's `st2 run`, `st2 execution cancel|re-run`): the
 * library's `run()` and `executions.cancel|rerun`, used by the CLI.
 *
 * Cancel: a queued execution (`requested`, `scheduled`, `delayed`) becomes `canceled` by one
 * conditional update (through the execution store, like every status change), and a cancel marker in Redis tells any worker that already holds its entry
 * not to start it; a running one becomes `canceling` and its worker (claim key) is told on
 * `worker.<id>.control`: SIGTERM, SIGKILL after the grace period, then it reports `canceled`.
 */
import { isDeepStrictEqual } from 'node:util';
import { parametersSpecSchema, validateParameters, type ParametersSpec } from './actions/parameters.ts';
import { protectSecrets } from './actions/secrets.ts';
import type { AttuneContext } from './context.ts';
import type { ActionPolicy } from './domain/policy-schema.ts';
import type { Queryable, Sql } from './db/sql.ts';
import { cancelBeforeStart, insertRequested, markCanceling, type NewExecution } from './db/execution-store.ts';
import { getExecution, waitForExecution, type ExecutionRow, type StoredExecution } from './db/executions-repo.ts';
import { EXECUTION_KEY_TTL_S, isTerminal, parseClaim } from './domain/execution-lifecycle.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { newId } from './streams/codec.ts';
import { concurrencySlots } from './limits/concurrency-slots.ts';
import { saveSeed, seedFor } from './workflows/rerun-seed.ts';

export interface RunOptions {
  /** Overrides the action's timeout for this execution. */
  timeoutMs?: number;
  /** Resolve with the finished execution instead of the requested one. */
  wait?: boolean;
  /** How long `wait` waits (default: the timeout plus a minute, or 10 minutes). */
  waitTimeoutMs?: number;
  trace?: string;
  /**
   * `run()` only: a key of the caller's (1–255 characters) that makes a retried request safe. A
   * second run with the same key creates nothing and resolves with the execution the first one
   * created, as long as that row lives (retention); the same key for another action or other
   * parameters is a `ValidationError`.
   */
  idempotencyKey?: string;
}

export interface RerunOptions extends RunOptions {
  /** A workflow only: start at this task, with the original's context as it ended (`rerun-seed.ts`). */
  fromTask?: string;
}

export interface ActionInfo {
  ref: string;
  runtime: string;
  parameters: ParametersSpec;
  policy: ActionPolicy | null;
}

export function executionsService(ctx: AttuneContext, sql: Sql) {
  async function describeAction(ref: string): Promise<ActionInfo> {
    const [row] = await sql<{ ref: string; runtime: string; parameters: unknown; policy: ActionPolicy | null }[]>`
      select ref, runtime, parameters, policy from action where ref = ${ref}`;
    if (!row) throw new NotFoundError(`action "${ref}" does not exist (load its pack first)`);
    return { ref: row.ref, runtime: row.runtime, parameters: parametersSpecSchema.parse(row.parameters), policy: row.policy };
  }

  /** Inserts (with `also` in the same transaction), then publishes. */
  async function request(e: NewExecution, also?: (tx: Queryable, row: StoredExecution) => Promise<void>): Promise<StoredExecution> {
    const { row, fresh } = also
      ? await sql.begin(async (tx) => {
          const r = await insertRequested(tx, e);
          await also(tx, r.row);
          return r;
        })
      : await insertRequested(sql, e);
    if (!fresh) return replayed(row, e);
    await ctx.publisher.publish(ctx.catalog.executionRequested, { executionId: row.id }, { trace: e.trace });
    ctx.log.info({ executionId: row.id, action: e.actionRef, trace: e.trace, retryOf: e.retryOf }, 'execution requested');
    return row;
  }

  /** A run whose idempotency key is taken: the execution holding it, if it is the same request. */
  async function replayed(row: StoredExecution, e: NewExecution): Promise<StoredExecution> {
    if (row.action_ref !== e.actionRef || !isDeepStrictEqual(row.parameters, e.parameters)) {
      throw new ValidationError(
        `idempotency key "${String(e.idempotencyKey)}" was already used by execution ${row.id} (${row.action_ref}) with other parameters: a different request needs a new key`,
      );
    }
    // Its first request may have stored it and lost the message: announced again (the scheduler's
    // conditional update makes a second announcement harmless).
    if (row.status === 'requested') await ctx.publisher.publish(ctx.catalog.executionRequested, { executionId: row.id }, { trace: row.trace });
    ctx.log.info({ executionId: row.id, action: row.action_ref, idempotencyKey: e.idempotencyKey }, 'run replayed: idempotency key already used');
    return row;
  }

  async function finish(row: StoredExecution, o: RunOptions): Promise<ExecutionRow> {
    if (!o.wait) return withoutSecrets(row);
    const limit = o.waitTimeoutMs ?? (row.timeout_ms ? row.timeout_ms + 60_000 : 600_000);
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
      const key = o.idempotencyKey;
      if (key !== undefined && (typeof key !== 'string' || key.length < 1 || key.length > 255)) {
        throw new ValidationError(`idempotencyKey must be a string of 1 to 255 characters, got ${JSON.stringify(key)}`);
      }
      const action = await describeAction(actionRef);
      const checked = validateParameters(action.parameters, params);
      if (!checked.ok) throw new ValidationError(`cannot run ${actionRef}: ${checked.errors.join('; ')}`);
      const kept = await protectSecrets(ctx, action.parameters, checked.values);
      const row = await request({
        actionRef,
        ...kept,
        timeoutMs: o.timeoutMs ?? null,
        trace: o.trace ?? newId(),
        attempt: 1,
        retryOf: null,
        policy: action.policy,
        idempotencyKey: key ?? null,
      });
      return finish(row, o);
    },

    /**
     * Runs the same action with the same parameters (secrets included) again, linked by
     * `retry_of`; a workflow with `fromTask` starts at that task.
     */
    async rerun(id: number, o: RerunOptions = {}): Promise<ExecutionRow> {
      const [orig] = await sql<StoredExecution[]>`select * from execution where id = ${id}`;
      if (!orig) throw new NotFoundError(`execution ${id} does not exist`);
      const seed = o.fromTask === undefined ? null : await seedFor(sql, id, orig.status, orig.action_ref, o.fromTask);
      const row = await request(
        {
          actionRef: orig.action_ref,
          parameters: orig.parameters,
          secrets: orig.secrets,
          timeoutMs: o.timeoutMs ?? orig.timeout_ms,
          trace: o.trace ?? newId(),
          attempt: orig.attempt + 1,
          retryOf: orig.id,
          policy: (orig as StoredExecution & { policy?: ActionPolicy | null }).policy ?? null,
        },
        seed ? (tx, r) => saveSeed(tx, r.id, orig.id, seed) : undefined,
      );
      return finish(row, o);
    },

    /** Cancels a queued or running execution; a finished one is an error that says its status. */
    async cancel(id: number): Promise<ExecutionRow> {
      // The marker first: a worker that claims the entry after this sees it and never starts.
      await ctx.redis.set(ctx.keys.executionCancel(id), '1', 'EX', EXECUTION_KEY_TTL_S);
      const before = await cancelBeforeStart(sql, id);
      // Never started: its concurrency slot (or place in line) is freed now, and the next woken by the audit.
      if (before) await concurrencySlots(ctx.redis, ctx.keys).release(id);
      const changed = before ?? (await markCanceling(sql, id));
      const row = changed ?? (await getExecution(sql, id));
      // Already `canceling` (a second cancel): nothing changes, and its worker is told again.
      if (!row || (!changed && row.status !== 'canceling')) {
        await ctx.redis.del(ctx.keys.executionCancel(id)); // nothing left to stop
        if (!row) throw new NotFoundError(`execution ${id} does not exist`);
        if (isTerminal(row.status)) throw new ValidationError(`execution ${id} already ended ${row.status}; nothing to cancel`);
        throw new ValidationError(`execution ${id} is ${row.status}; it cannot be canceled now`);
      }
      // A worker may hold it already (scheduled, its `running` report not yet applied): tell it.
      const claim = row.worker_id ? null : await ctx.redis.get(ctx.keys.executionClaim(id));
      const owner = row.worker_id ?? (claim === null ? null : parseClaim(claim).workerId);
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
