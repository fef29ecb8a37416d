/** Scenarios on the no-op pipeline: throughput (one process, several), latency at a fixed rate, backlog. */
import { NOOP_ACTION, TRIGGERS } from './bench-pack.ts';
import { withEnv, type BenchEnv } from './env.ts';
import { percentile, progress, rateSince, rowTimes, sleep, waitForFinished } from './measure.ts';

const PIPELINE = ['enforcer', 'scheduler', 'worker', 'manager'] as const;

export async function waitForWorkers(env: BenchEnv, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await env.probe.redis.hlen(env.probe.keys.workers)) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} workers registered after 30 s`);
    await sleep(20);
  }
}

async function throughput(env: BenchEnv, n: number, label: string, trigger: string = TRIGGERS.noop): Promise<number> {
  const start = Date.now();
  await env.emitMany(trigger, n);
  progress(`${label}: ${n} events emitted in ${Date.now() - start} ms`);
  await waitForFinished(env.probe.sql, n, 60_000 + n * 5, label);
  return rateSince(env.probe.sql, n, start);
}

/** N events → one rule → in-process no-op; executions/s from first emit to last `succeeded` row. */
export async function pipelineInProcess(n: number, concurrency: number): Promise<number> {
  return withEnv('pipe1', async (env) => {
    await env.start({ actors: [...PIPELINE], runtimes: ['node'], concurrency });
    await waitForWorkers(env, 1);
    return throughput(env, n, 'pipeline, one process');
  });
}

/** The same with a concurrency policy (limit 100) on the no-op: what a slot per execution costs. */
export async function pipelineWithConcurrencyPolicy(n: number, concurrency: number): Promise<number> {
  return withEnv('pipecc', async (env) => {
    await env.start({ actors: [...PIPELINE], runtimes: ['node'], concurrency });
    await waitForWorkers(env, 1);
    return throughput(env, n, 'pipeline, concurrency policy', TRIGGERS.limited);
  });
}

/** The same, each actor in its own child process; this process only emits. */
export async function pipelineMultiProcess(n: number, concurrency: number): Promise<number> {
  return withEnv('pipen', async (env) => {
    await Promise.all([
      env.spawn({ actors: ['enforcer'] }),
      env.spawn({ actors: ['scheduler'] }),
      env.spawn({ actors: ['manager'] }),
      env.spawn({ actors: ['worker'], runtimes: ['node'], concurrency }),
    ]);
    await waitForWorkers(env, 1);
    return throughput(env, n, 'pipeline, one process per actor');
  });
}

export interface Latency {
  rate: number;
  seconds: number;
  achievedRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Emits at a fixed rate; event emitted (`occurred_at`) → execution `finished_at`, from the rows. */
export async function latency(rate: number, seconds: number, concurrency: number): Promise<Latency> {
  return withEnv('lat', async (env) => {
    await env.start({ actors: [...PIPELINE], runtimes: ['node'], concurrency });
    await waitForWorkers(env, 1);
    const total = Math.round(rate * seconds);
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      if (due > sent) {
        const batch = Array.from({ length: due - sent }, (_, k) => env.attune.emit(TRIGGERS.noop, { n: sent + k }));
        sent = due;
        await Promise.all(batch);
      }
      await sleep(2);
    }
    const elapsed = (performance.now() - start) / 1000;
    await waitForFinished(env.probe.sql, total, 60_000, 'latency');
    const rows = await env.probe.sql<{ ms: number }[]>`
      select (extract(epoch from x.finished_at - ev.occurred_at) * 1000)::float8 as ms
      from execution x join enforcement en on en.id = x.enforcement_id join event ev on ev.id = en.event_id
      order by 1`;
    const ms = rows.map((r) => r.ms);
    return {
      rate,
      seconds,
      achievedRate: total / elapsed,
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      p99: percentile(ms, 99),
      max: ms.at(-1) ?? Number.NaN,
    };
  });
}

export interface Backlog {
  executions: number;
  drainMs: number;
  firstTenthRate: number;
  lastTenthRate: number;
}

/** N executions requested at once (rows inserted, `execution.requested` published), then drained. */
export async function backlog(n: number, concurrency: number): Promise<Backlog> {
  return withEnv('backlog', async (env) => {
    await env.start({ actors: ['scheduler', 'worker', 'manager'], runtimes: ['node'], concurrency });
    await waitForWorkers(env, 1);
    const { sql, publisher, catalog } = env.probe;
    const start = Date.now();
    const rows = await sql<{ id: number; trace: string }[]>`
      insert into execution (action_ref, parameters, trace)
      select ${NOOP_ACTION}, jsonb_build_object('n', g), md5(g::text) from generate_series(1, ${n}::int) g
      returning id, trace`;
    for (let i = 0; i < rows.length; i += 1000) {
      await publisher.publishMany(rows.slice(i, i + 1000).map((r) => ({ def: catalog.executionRequested, payload: { executionId: r.id }, trace: r.trace })));
    }
    progress(`backlog: ${n} executions requested in ${Date.now() - start} ms`);
    await waitForFinished(sql, n, 120_000, 'backlog');
    // Throughput in the first and the last tenth of the time from the first completion to the
    // last (time windows, not counts: completions come in bursts of a read batch).
    const t = await rowTimes(sql);
    const end = t.at(-1) ?? start;
    const first = t[0] ?? start;
    const tenth = Math.max(1, (end - first) / 10);
    const inWindow = (from: number, to: number) => t.filter((x) => x >= from && x <= to).length;
    return {
      executions: n,
      drainMs: end - start,
      firstTenthRate: inWindow(first, first + tenth) / (tenth / 1000),
      lastTenthRate: inWindow(end - tenth, end) / (tenth / 1000),
    };
  });
}
