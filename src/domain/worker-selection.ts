/** Which runtime stream an execution goes to, given the live workers: a pure decision. */
import { z } from 'zod';

export const workerRegistration = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  runtimes: z.array(z.string()),
  /** Refs of the in-process handlers registered in the worker's process (absent: none, an older worker). */
  handlers: z.array(z.string()).default([]),
  concurrency: z.number().int(),
  running: z.number().int().default(0),
  startedAt: z.number(),
  heartbeatAt: z.number(),
});
export type WorkerRegistration = z.infer<typeof workerRegistration>;

export type RuntimeChoice = { ok: true; runtime: string; workers: string[]; handler?: string } | { ok: false; reason: string };

/** What selection needs to know of an action. */
export interface RoutedAction {
  ref: string;
  runtime: string;
  command: string | null;
  entry_point: string | null;
}

/** A `node` action without a script runs only where its in-process handler is registered. */
export function needsHandler(a: RoutedAction): boolean {
  return a.runtime.trim().toLowerCase() === 'node' && !a.entry_point && !a.command;
}

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

/**
 * Where an execution of the action may go: an action that needs an in-process handler goes to the
 * handler's own stream, and only when a live worker advertises that handler; any other action goes to
 * its runtime's stream (`chooseRuntime`).
 */
export function chooseRoute(action: RoutedAction, workers: readonly WorkerRegistration[], now: number, liveMs: number): RuntimeChoice {
  const byRuntime = chooseRuntime(action.runtime, workers, now, liveMs);
  if (!needsHandler(action) || !byRuntime.ok) return byRuntime;
  const able = workers.filter((w) => byRuntime.workers.includes(w.id) && w.handlers.includes(action.ref));
  if (able.length > 0) return { ...byRuntime, handler: action.ref, workers: able.map((w) => w.id) };
  return {
    ok: false,
    reason:
      `waiting for a worker: no live worker has an in-process handler for "${action.ref}" ` +
      `(${byRuntime.workers.length} live node worker(s) without it; register it with actions.handle() before start())`,
  };
}
