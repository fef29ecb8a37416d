/**
 * `npm run bench -- --quick` completes and prints every figure. Speed itself is not asserted:
 * benchmarks measure it, tests do not.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const figures = [
  'pipeline.oneProcess',
  'pipeline.processPerActor',
  'pipeline.concurrencyPolicy',
  'pipeline.policyRatio',
  'publish.capped',
  'publish.plainXadd',
  'publish.ratio',
  'queue.bullmq',
  'queue.ratio',
  'latency.achievedRate',
  'latency.p50',
  'latency.p95',
  'latency.p99',
  'latency.max',
  'shell.pipeline',
  'shell.floor',
  'shell.ratio',
  'scaleOut.w1',
  'scaleOut.w2',
  'scaleOut.w4',
  'scaleOut.speedup2',
  'scaleOut.speedup4',
  'backlog.drainMs',
  'backlog.firstTenth',
  'backlog.lastTenth',
  'backlog.ratio',
  'settle.timeout',
  'settle.exit',
  'settle.cancel',
  'workflow.taskRate',
  'workflow.plainRate',
  'workflow.overheadMs',
  'api.list.p50',
  'api.list.p99',
  'api.sse.p50',
  'api.sse.p99',
  'api.sse.delivered',
];

describe('npm run bench -- --quick', () => {
  it('completes and prints every figure as JSON', { timeout: 240_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--quick', '--json'], {
      cwd: root,
      timeout: 230_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    // the report starts at a line holding only `{`; worker processes of the pipeline may log warnings before it
    const report = JSON.parse(stdout.slice(stdout.search(/^\{$/m))) as { quick: boolean; figures: Record<string, number> };
    expect(report.quick).toBe(true);
    expect(Object.keys(report.figures).sort()).toEqual([...figures].sort());
    for (const key of figures) expect(Number.isFinite(report.figures[key]), `${key} = ${report.figures[key]}`).toBe(true);
  });
});
