/** Which runtime stream an execution goes to, given the live workers: a pure decision. */
import { z } from 'zod';

export const workerRegistration = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  runtimes: z.array(z.string()),
  concurrency: z.number().int(),
  running: z.number().int().default(0),
  startedAt: z.number(),
  heartbeatAt: z.number(),
});
export type WorkerRegistration = z.infer<typeof workerRegistration>;

export type RuntimeChoice = { ok: true; runtime: string; workers: string[] } | { ok: false; reason: string };

export function isLive(w: WorkerRegistration, now: number, liveMs: number): boolean {
  return now - w.heartbeatAt <= liveMs;
}

/**
 * An execution of an action in `runtime` may be scheduled when a live worker declares that runtime
 * in its capabilities (matched case-insensitively); otherwise it waits, and the reason says why.
 */
/** The runtime no worker runs: its executions go to the workflow actor (`workflow.start`). */
export const WORKFLOW_RUNTIME = 'workflow';

export function chooseRuntime(runtime: string, workers: readonly WorkerRegistration[], now: number, liveMs: number): RuntimeChoice {
  const wanted = runtime.trim().toLowerCase();
  if (wanted === WORKFLOW_RUNTIME) return { ok: true, runtime: wanted, workers: [] };
  const live = workers.filter((w) => isLive(w, now, liveMs));
  const able = live.filter((w) => w.runtimes.some((r) => r.trim().toLowerCase() === wanted));
  if (able.length > 0) return { ok: true, runtime: wanted, workers: able.map((w) => w.id) };
  if (live.length === 0) {
    const dead = workers.length > 0 ? ` (${workers.length} registered, none heartbeating within ${liveMs} ms)` : '';
    return { ok: false, reason: `waiting for a worker: no live worker${dead}; runtime "${wanted}" needed` };
  }
  const offered = [...new Set(live.flatMap((w) => w.runtimes.map((r) => r.toLowerCase())))].sort().join(', ');
  return { ok: false, reason: `waiting for a worker: no live worker offers runtime "${wanted}" (live workers offer: ${offered})` };
}
