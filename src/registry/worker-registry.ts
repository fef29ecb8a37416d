/**
 * The worker registry: a Redis hash of worker id → registration with its last heartbeat. Written by
 * workers (`actors/worker/heartbeat.ts`), read by the scheduler, the reconciler and the facade.
 */
import { isLive, workerRegistration, type WorkerRegistration } from '../domain/worker-selection.ts';
import type { KeyCatalog } from '../streams/catalog.ts';
import type { AttuneRedis } from '../streams/redis.ts';

/** What the registry needs: the instance's Redis and its keys (an `AttuneContext` will do). */
export interface RegistryStore {
  redis: AttuneRedis;
  keys: KeyCatalog;
}

export async function writeRegistration(store: RegistryStore, reg: WorkerRegistration): Promise<void> {
  await store.redis.hset(store.keys.workers, reg.id, JSON.stringify(reg));
}

export async function removeRegistration(store: RegistryStore, id: string): Promise<void> {
  await store.redis.hdel(store.keys.workers, id);
}

/** Every registration; entries that do not parse are skipped (and reported by `attune workers`). */
export async function readRegistrations(store: RegistryStore): Promise<WorkerRegistration[]> {
  const all = await store.redis.hgetall(store.keys.workers);
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
export function cachedRegistry(store: RegistryStore, maxAgeMs: number) {
  let at = 0;
  let value: WorkerRegistration[] = [];
  return {
    async get(): Promise<WorkerRegistration[]> {
      if (Date.now() - at > maxAgeMs) {
        value = await readRegistrations(store);
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
export async function listWorkers(store: RegistryStore, liveMs: number): Promise<WorkerInfo[]> {
  const now = Date.now();
  return (await readRegistrations(store))
    .map((w) => ({ ...w, live: isLive(w, now, liveMs), silentMs: Math.max(0, now - w.heartbeatAt) }))
    .sort((a, b) => Number(b.live) - Number(a.live) || a.id.localeCompare(b.id));
}
