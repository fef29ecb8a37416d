/**
 * Readiness of one instance (`attune.health()`, the HTTP server's `/readyz`): Redis answers a PING
 * and PostgreSQL a `select 1` (unless `database: false`), each within a deadline, and every actor
 * this instance started is consuming (not backing off after an error, not stopped). `/healthz`
 * stays a liveness probe: it answers while the process does.
 */
import type { Sql } from '../db/sql.ts';
import type { ActorHandle } from '../context.ts';
import { toError, withDeadline } from '../errors.ts';
import type { AttuneRedis } from '../streams/redis.ts';

export interface ServiceHealth {
  ok: boolean;
  /** How long the check took. */
  ms: number;
  error?: string;
}

export interface Health {
  ok: boolean;
  redis: ServiceHealth;
  /** Null in a process without a database (`database: false`). */
  postgres: ServiceHealth | null;
  /** The actors this instance started, with their state (`consuming`, `backingOff: <error>` …). */
  actors: { name: string; state: string; ok: boolean }[];
}

async function timed(check: () => Promise<unknown>, ms: number, what: string): Promise<ServiceHealth> {
  const start = performance.now();
  try {
    await withDeadline(check(), ms, what);
    return { ok: true, ms: Math.round(performance.now() - start) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - start), error: toError(err).message };
  }
}

export async function checkHealth(o: { redis: AttuneRedis; sql: Sql | null; actors: readonly ActorHandle[]; timeoutMs: number }): Promise<Health> {
  const sql = o.sql;
  const [redis, postgres] = await Promise.all([
    timed(() => o.redis.ping(), o.timeoutMs, 'Redis (PING)'),
    sql ? timed(async () => await sql`select 1`, o.timeoutMs, 'PostgreSQL (select 1)') : null,
  ]);
  const actors = o.actors.map((a) => {
    const state = a.state();
    return { name: a.name, state, ok: !/^(backingOff|stopped)/.test(state) };
  });
  return { ok: redis.ok && (postgres?.ok ?? true) && actors.every((a) => a.ok), redis, postgres, actors };
}
