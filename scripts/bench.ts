/**
 * `npm run bench [-- --quick] [-- --json] [-- --repeat 3]`: the speed of the pipeline against the
 * real Redis and Postgres, side by side with the floors of this machine (raw spawn, BullMQ).
 * Each scenario runs in its own namespace and schema and cleans up after itself. Progress goes to
 * stderr; the table (or, with --json, one JSON object with every figure) to stdout.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { apiList, apiSse } from './bench/api.ts';
import { bullmqFloor, shellPipeline, sleepScaleOut, spawnFloor } from './bench/floors.ts';
import { median, progress } from './bench/measure.ts';
import { processSettle } from './bench/process-settle.ts';
import { publishRates } from './bench/publish.ts';
import { backlog, latency, pipelineInProcess, pipelineMultiProcess, pipelineWithConcurrencyPolicy } from './bench/pipeline.ts';
import { renderTable, type Figure } from './bench/report.ts';
import { workflowThroughput } from './bench/workflow.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    n: { type: 'string' },
  },
});

const quick = values.quick;
const settings = {
  events: Number(values.n ?? (quick ? 1000 : 20_000)),
  concurrency: 200,
  latencyRate: quick ? 500 : 1000,
  latencySeconds: quick ? 2 : 20,
  shellN: quick ? 100 : 2000,
  shellConcurrency: 16,
  scaleN: quick ? 24 : 400,
  scaleConcurrency: 4,
  backlogN: quick ? 1000 : 10_000,
  settleN: quick ? 3 : 10,
  publishN: quick ? 10_000 : 100_000,
  workflowItems: quick ? 500 : 5000,
  apiRows: quick ? 50_000 : 1_000_000,
  apiRequests: 200,
  sseSubscribers: quick ? 20 : 100,
  sseChanges: 200,
};
const repeat = Math.max(1, Number(values.repeat));

async function runOnce(): Promise<Figure[]> {
  const s = settings;
  progress(`pipeline in one process: ${s.events} events, worker concurrency ${s.concurrency}`);
  const inProcess = await pipelineInProcess(s.events, s.concurrency);
  progress(`pipeline in one process, concurrency policy (limit 100) on the no-op: ${s.events} events`);
  const limited = await pipelineWithConcurrencyPolicy(s.events, s.concurrency);
  progress(`bullmq floor: ${s.events} no-op jobs, concurrency ${s.concurrency}`);
  const bull = await bullmqFloor(s.events, s.concurrency);
  progress(`pipeline, one process per actor: ${s.events} events`);
  const multi = await pipelineMultiProcess(s.events, s.concurrency);
  progress(`latency: ${s.latencyRate} events/s for ${s.latencySeconds} s`);
  const lat = await latency(s.latencyRate, s.latencySeconds, s.concurrency);
  progress(`shell: ${s.shellN} core.echo, concurrency ${s.shellConcurrency}, and the raw spawn floor`);
  // The floor is measured half before and half after, so that a change of load on the machine
  // weighs on both sides of the ratio alike.
  const half = Math.max(1, Math.floor(s.shellN / 2));
  const floorBefore = await spawnFloor(half, s.shellConcurrency);
  const shell = await shellPipeline(s.shellN, s.shellConcurrency);
  const floorAfter = await spawnFloor(half, s.shellConcurrency);
  const floor = 2 / (1 / floorBefore + 1 / floorAfter);
  progress(`scale-out: ${s.scaleN} core.sleep 0.05 s, 1, 2 and 4 workers of concurrency ${s.scaleConcurrency}`);
  const { w1, w2, w4 } = await sleepScaleOut(s.scaleN, s.scaleConcurrency);
  progress(`backlog: ${s.backlogN} executions requested at once`);
  const bl = await backlog(s.backlogN, s.concurrency);
  progress(`process settle: timeout, exit and cancel with a grandchild holding stdout, ${s.settleN} each`);
  const settle = await processSettle(s.settleN);
  progress(`publisher: ${s.publishN} messages, ${s.concurrency} in flight, and the plain XADD floor`);
  const pub = await publishRates(s.publishN, s.concurrency);
  progress(`workflow: with-items over ${s.workflowItems} no-op tasks (50 at a time), then as many plain executions`);
  const wf = await workflowThroughput(s.workflowItems);
  progress(`api list: ${s.apiRequests} filtered GETs (first pages and keyset pages) over ${s.apiRows} stored executions`);
  const list = await apiList(s.apiRows, s.apiRequests);
  progress(`api sse: ${s.sseSubscribers} subscribers to the status feed, ${s.sseChanges} status changes`);
  const sse = await apiSse(s.sseSubscribers, s.sseChanges);
  return [
    { key: 'pipeline.oneProcess', label: 'pipeline, actors in one process', value: inProcess, unit: 'exec/s', min: 5000 },
    { key: 'pipeline.concurrencyPolicy', label: 'pipeline, one process, concurrency policy', value: limited, unit: 'exec/s' },
    { key: 'pipeline.policyRatio', label: 'with a concurrency policy / without', value: limited / inProcess, unit: '×' },
    { key: 'pipeline.processPerActor', label: 'pipeline, one process per actor', value: multi, unit: 'exec/s', min: 5000 },
    { key: 'queue.bullmq', label: 'floor: BullMQ one hop, no-op', value: bull, unit: 'jobs/s' },
    { key: 'queue.ratio', label: 'pipeline (one process) / BullMQ', value: inProcess / bull, unit: '×' },
    { key: 'latency.achievedRate', label: `latency run: events emitted`, value: lat.achievedRate, unit: 'events/s' },
    { key: 'latency.p50', label: 'latency p50, emitted → succeeded', value: lat.p50, unit: 'ms' },
    { key: 'latency.p95', label: 'latency p95', value: lat.p95, unit: 'ms' },
    { key: 'latency.p99', label: 'latency p99', value: lat.p99, unit: 'ms', max: 25 },
    { key: 'latency.max', label: 'latency max', value: lat.max, unit: 'ms' },
    { key: 'shell.pipeline', label: 'core.echo through the pipeline', value: shell, unit: 'exec/s' },
    { key: 'shell.floor', label: 'floor: /bin/sh -c echo from Node', value: floor, unit: 'spawns/s' },
    { key: 'shell.ratio', label: 'core.echo / spawn floor', value: shell / floor, unit: '×', min: 0.8 },
    { key: 'scaleOut.w1', label: 'core.sleep 0.05, 1 worker', value: w1, unit: 'exec/s' },
    { key: 'scaleOut.w2', label: 'core.sleep 0.05, 2 workers', value: w2, unit: 'exec/s' },
    { key: 'scaleOut.w4', label: 'core.sleep 0.05, 4 workers', value: w4, unit: 'exec/s' },
    { key: 'scaleOut.speedup2', label: 'speed-up, 2 workers', value: w2 / w1, unit: '×', min: 1.8 },
    { key: 'scaleOut.speedup4', label: 'speed-up, 4 workers', value: w4 / w1, unit: '×', min: 3.2 },
    { key: 'backlog.drainMs', label: `backlog of ${bl.executions}: time to drain`, value: bl.drainMs, unit: 'ms' },
    { key: 'backlog.firstTenth', label: 'backlog: first tenth', value: bl.firstTenthRate, unit: 'exec/s' },
    { key: 'backlog.lastTenth', label: 'backlog: last tenth', value: bl.lastTenthRate, unit: 'exec/s' },
    { key: 'publish.capped', label: 'publisher onto a grouped stream (ceiling check)', value: pub.capped, unit: 'msg/s' },
    { key: 'publish.plainXadd', label: 'floor: plain XADD MAXLEN ~', value: pub.plain, unit: 'msg/s' },
    { key: 'publish.ratio', label: 'publisher / plain XADD', value: pub.capped / pub.plain, unit: '×', min: 0.7 },
    { key: 'backlog.ratio', label: 'backlog: last tenth / first tenth', value: bl.lastTenthRate / bl.firstTenthRate, unit: '×', min: 0.8 },
    { key: 'settle.timeout', label: 'timeout → group killed, settled', value: settle.timeoutMs, unit: 'ms', max: 5000 },
    { key: 'settle.exit', label: 'exit, grandchild holds stdout → settled', value: settle.exitMs, unit: 'ms', max: 5000 },
    { key: 'settle.cancel', label: 'cancel, exits on SIGTERM → settled', value: settle.cancelMs, unit: 'ms', max: 5000 },
    { key: 'workflow.taskRate', label: 'workflow with-items, no-op tasks', value: wf.taskRate, unit: 'tasks/s' },
    { key: 'workflow.plainRate', label: 'plain no-op executions, same concurrency', value: wf.plainRate, unit: 'exec/s' },
    { key: 'workflow.overheadMs', label: 'workflow per-task overhead vs plain', value: wf.overheadMs, unit: 'ms' },
    { key: 'api.list.p50', label: `API list, status+action filter, ${s.apiRows.toLocaleString('en-US')} rows: p50`, value: list.p50, unit: 'ms' },
    { key: 'api.list.p99', label: 'API list: p99', value: list.p99, unit: 'ms' },
    { key: 'api.sse.p50', label: `SSE status feed, ${s.sseSubscribers} subscribers: commit → received p50`, value: sse.p50, unit: 'ms' },
    { key: 'api.sse.p99', label: 'SSE status feed: p99', value: sse.p99, unit: 'ms' },
    { key: 'api.sse.delivered', label: 'SSE status feed: changes delivered', value: sse.delivered, unit: 'fraction', min: 1 },
  ];
}

const started = Date.now();
const runs: Figure[][] = [];
for (let r = 1; r <= repeat; r++) {
  if (repeat > 1) progress(`run ${r} of ${repeat}`);
  runs.push(await runOnce());
}
// With --repeat, every figure is the median of the runs.
const figures = (runs[0] ?? []).map((f) => ({ ...f, value: median(runs.map((run) => run.find((g) => g.key === f.key)?.value ?? Number.NaN)) }));
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  loadavg: os.loadavg(),
};
if (values.json) {
  console.log(
    JSON.stringify(
      { quick, repeat, settings, machine, durationMs: Date.now() - started, figures: Object.fromEntries(figures.map((f) => [f.key, f.value])) },
      null,
      2,
    ),
  );
} else {
  console.log(
    `attune bench${quick ? ' --quick' : ''}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')}` +
      (repeat > 1 ? `, median of ${repeat} runs` : ''),
  );
  console.log(renderTable(figures));
  console.log(`settings: ${JSON.stringify(settings)}; took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(figures.every((f) => Number.isFinite(f.value)) ? 0 : 1);
