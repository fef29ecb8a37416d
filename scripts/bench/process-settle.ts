/**
 * How fast an action's end is noticed when its process group misbehaves (these were `< 5000 ms`
 * assertions in test/integration/runtimes.test.ts; tests check the behaviour, the bench the speed):
 * a timeout with a backgrounded grandchild holding stdout, an exit that leaves such a grandchild,
 * and a cancel of an action that exits on SIGTERM. Median of `n` runs each, in ms.
 */
import { pino } from 'pino';
import { runAction } from '../../src/runtimes/run-action.ts';
import type { ActionSpec, RunLimits } from '../../src/runtimes/types.ts';
import { median } from './measure.ts';

const log = pino({ level: 'silent' });
const ctx = { executionId: 1, actionRef: 'bench.settle', trace: 'bench', attempt: 1 };
const limits: RunLimits = { timeoutMs: 60_000, outputLimitBytes: 1_000_000, killGraceMs: 60_000 };

function shell(command: string, l: Partial<RunLimits> = {}, signal?: AbortSignal) {
  const spec: ActionSpec = { ref: 'bench.settle', runtime: 'shell', command, entryPoint: null, packPath: null };
  return runAction(spec, {}, ctx, { ...limits, ...l }, { log, signal });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function processSettle(n: number): Promise<{ timeoutMs: number; exitMs: number; cancelMs: number }> {
  const timeout: number[] = [];
  const exit: number[] = [];
  const cancel: number[] = [];
  for (let i = 0; i < n; i++) {
    // Past the 300 ms limit: how long until the whole group is killed and the run settles.
    timeout.push((await timed(() => shell('sleep 300 & echo $!; sleep 300', { timeoutMs: 300 }))) - 300);
    exit.push(await timed(() => shell('sleep 300 & echo $!')));
    const ac = new AbortController();
    const running = shell("trap 'exit 0' TERM; sleep 300 & wait", {}, ac.signal);
    await new Promise((r) => setTimeout(r, 100));
    cancel.push(
      await timed(async () => {
        ac.abort();
        await running;
      }),
    );
  }
  return { timeoutMs: median(timeout), exitMs: median(exit), cancelMs: median(cancel) };
}
