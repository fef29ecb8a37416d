/** The worker registry: a Redis hash of worker id → registration with its last heartbeat. */
import type { AttuneContext } from '../../context.ts';
import { isLive, workerRegistration, type WorkerRegistration } from '../../domain/worker-selection.ts';

export async function writeRegistration(ctx: AttuneContext, reg: WorkerRegistration): Promise<void> {
  await ctx.redis.hset(ctx.keys.workers, reg.id, JSON.stringify(reg));
}

export async function removeRegistration(ctx: AttuneContext, id: string): Promise<void> {
  await ctx.redis.hdel(ctx.keys.workers, id);
}

/** Every registration; entries that do not parse are skipped (and reported by `attune workers`). */
export async function readRegistrations(ctx: AttuneContext): Promise<WorkerRegistration[]> {
  const all = await ctx.redis.hgetall(ctx.keys.workers);
  const out: WorkerRegistration[] = [];
  for (const raw of Object.values(all)) {
    try {
      const r = workerRegistration.safeParse(JSON.parse(raw));
      if (r.success) out.push(r.data);
    } catch {
      // not JSON: ignored
    }
  }
  return out;
}

/** A registry snapshot cached for `maxAgeMs`, for the scheduler's hot path. */
export function cachedRegistry(ctx: AttuneContext, maxAgeMs: number) {
  let at = 0;
  let value: WorkerRegistration[] = [];
  return {
    async get(): Promise<WorkerRegistration[]> {
      if (Date.now() - at > maxAgeMs) {
        value = await readRegistrations(ctx);
        at = Date.now();
      }
      return value;
    },
    invalidate(): void {
      at = 0;
    },
  };
}

export interface WorkerInfo extends WorkerRegistration {
  live: boolean;
  /** Milliseconds since the last heartbeat. */
  silentMs: number;
}

/** Every registered worker with its liveness and load, live ones first. */
export async function listWorkers(ctx: AttuneContext): Promise<WorkerInfo[]> {
  const now = Date.now();
  return (await readRegistrations(ctx))
    .map((w) => ({ ...w, live: isLive(w, now, ctx.config.workerLiveMs), silentMs: Math.max(0, now - w.heartbeatAt) }))
    .sort((a, b) => Number(b.live) - Number(a.live) || a.id.localeCompare(b.id));
}
