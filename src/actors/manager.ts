/**
 * Manager: `execution.status` → applies each report to Postgres through the execution state
 * machine: one conditional update per target status per batch (`where status = any(allowedFrom)`),
 * so late, repeated or out-of-order reports are harmless.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import { allowedFrom, isTerminal } from '../domain/execution-lifecycle.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { ExecutionStatusReport } from '../streams/messages.ts';
import { crashPoint } from '../crash-point.ts';
import { startReconciler } from './reconciler.ts';

interface Update {
  id: number;
  status: ExecutionStatusReport['status'];
  worker_id: string;
  started_at: string | null;
  finished_at: string | null;
  result: Record<string, unknown> | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  reason: string | null;
}

/**
 * Folds the reports of a batch into one update per execution: a terminal report wins over
 * `running`, and the first terminal report wins over later ones (terminal states never change:
 * an `abandoned` sent after a `succeeded` by a worker that claimed a dead worker's entry loses).
 */
export function foldReports(reports: readonly ExecutionStatusReport[]): Update[] {
  const byId = new Map<number, Update>();
  for (const r of reports) {
    const prev = byId.get(r.executionId);
    const terminal = isTerminal(r.status);
    if (prev && isTerminal(prev.status)) continue;
    byId.set(r.executionId, {
      id: r.executionId,
      status: r.status,
      worker_id: r.workerId,
      started_at: r.startedAt ?? (r.status === 'running' ? r.at : (prev?.started_at ?? null)),
      finished_at: terminal ? r.at : null,
      result: r.result ?? null,
      exit_code: r.exitCode ?? null,
      stdout: r.stdout ?? null,
      stderr: r.stderr ?? null,
      reason: r.reason ?? null,
    });
  }
  return [...byId.values()];
}

export function startManager(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the manager');
  const log = ctx.log.child({ actor: 'manager', consumer: consumerName });

  async function handle(batch: Delivery<ExecutionStatusReport>[]): Promise<void> {
    const updates = foldReports(batch.map((d) => d.message.payload));
    const byStatus = new Map<string, Update[]>();
    for (const u of updates) byStatus.set(u.status, [...(byStatus.get(u.status) ?? []), u]);
    const applied = await sql.begin(async (tx) => {
      const out: { id: number; status: string; trace: string }[] = [];
      for (const [status, rows] of byStatus) {
        const res = await tx<{ id: number; status: string; trace: string }[]>`
          update execution e set
            status = x.status,
            worker_id = coalesce(x.worker_id, e.worker_id),
            started_at = coalesce(e.started_at, x.started_at),
            finished_at = coalesce(x.finished_at, e.finished_at),
            result = coalesce(x.result, e.result),
            exit_code = coalesce(x.exit_code, e.exit_code),
            stdout = coalesce(x.stdout, e.stdout),
            stderr = coalesce(x.stderr, e.stderr),
            status_reason = coalesce(x.reason, e.status_reason),
            updated_at = now()
          from jsonb_to_recordset(${tx.json(rows as never)}) as x(
            id bigint, status text, worker_id text, started_at timestamptz, finished_at timestamptz,
            result jsonb, exit_code integer, stdout text, stderr text, reason text)
          where e.id = x.id and e.status = any(${allowedFrom(status as ExecutionStatusReport['status'])}::text[])
          returning e.id, e.status, e.trace`;
        out.push(...res);
      }
      crashPoint(ctx.config, 'manager.before-commit');
      return out;
    });
    for (const a of applied) {
      if (isTerminal(a.status as ExecutionStatusReport['status'])) log.info({ executionId: a.id, status: a.status, trace: a.trace }, `execution ${a.status}`);
      else log.debug({ executionId: a.id, status: a.status, trace: a.trace }, 'execution status applied');
    }
  }

  const consumer = createActorConsumer<ExecutionStatusReport>(ctx, {
    name: 'manager',
    streams: [ctx.catalog.executionStatus],
    group: 'manager',
    consumer: consumerName,
    log,
    handle,
  });
  consumer.start();
  const reconciler = startReconciler(ctx, sql, log);
  return {
    name: 'manager',
    state: () => consumer.state(),
    stop: async () => {
      await reconciler.stop();
      await consumer.stop();
    },
  };
}
