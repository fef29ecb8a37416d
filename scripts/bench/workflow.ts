/**
 * Workflow task throughput, side by side with plain executions in the same world: a with-items
 * workflow over N items of the in-process no-op (50 at a time), then N plain executions of the same
 * no-op requested at once and drained by a worker of concurrency 50. The per-task overhead is the
 * difference of the time per execution.
 */
import { ITEMS_CONCURRENCY, ITEMS_WORKFLOW } from './bench-pack.ts';
import { withEnv } from './env.ts';
import { progress, waitForFinished } from './measure.ts';
import { requestNoops, waitForWorkers } from './pipeline.ts';

export interface WorkflowFigures {
  /** Child executions per second of the with-items task, workflow start → workflow end. */
  taskRate: number;
  /** Plain executions per second, first request → last row written. */
  plainRate: number;
  /** ms per task in a workflow, minus ms per plain execution. */
  overheadMs: number;
}

export async function workflowThroughput(n: number): Promise<WorkflowFigures> {
  return withEnv('wf', async (env) => {
    await env.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'], runtimes: ['node'], concurrency: ITEMS_CONCURRENCY });
    await waitForWorkers(env, 1);
    const { sql } = env.probe;

    const wf = await env.attune.run(ITEMS_WORKFLOW, { count: n });
    await waitForFinished(sql, n + 1, 120_000 + n * 20, 'workflow with-items');
    const [w] = await sql<{ ms: number }[]>`
      select (extract(epoch from finished_at - requested_at) * 1000)::float8 as ms from execution where id = ${wf.id}`;
    const taskRate = n / ((w?.ms ?? Number.NaN) / 1000);
    progress(`workflow with-items: ${n} tasks in ${Math.round(w?.ms ?? 0)} ms`);

    const start = Date.now();
    await requestNoops(env, n);
    await waitForFinished(sql, 2 * n + 1, 120_000 + n * 20, 'plain executions');
    const [p] = await sql<{ t: number }[]>`
      select (extract(epoch from max(updated_at)) * 1000)::float8 as t from execution where parent_id is null and id <> ${wf.id}`;
    const plainRate = n / (((p?.t ?? start) - start) / 1000);
    return { taskRate, plainRate, overheadMs: 1000 / taskRate - 1000 / plainRate };
  });
}
