/**
 * Claims: an execution runs at most once because its first worker takes `execution.claim.<id>`
 * (SET NX; its value names the worker and its life). A batch is claimed in one round trip, with its cancel markers; an entry whose claim is
 * taken already was started before, and who holds the claim decides what it is (a duplicate
 * message, a previous life of this worker, or a worker that looks lost). A lost owner is confirmed
 * only after a liveness period without a fresh heartbeat: a Redis restart stalls every heartbeat.
 */
import type { AttuneContext } from '../../context.ts';
import { claimValue, EXECUTION_KEY_TTL_S, parseClaim } from '../../domain/execution-lifecycle.ts';
import { isLive } from '../../domain/worker-selection.ts';
import { readRegistrations } from '../../registry/worker-registry.ts';
import type { Delivery } from '../../streams/consumer.ts';
import type { ExecutionScheduled } from '../../streams/messages.ts';
import type { Claim } from './execution-machine.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClaimsOptions {
  workerId: string;
  /** This process start of the worker (its claims' values carry it: `claimValue`). */
  life: string;
  /** Whether this worker runs the execution now (its claim is then no sign of a previous life). */
  isRunning(executionId: number): boolean;
  isStopping(): boolean;
  /** Ids of dead predecessors of this worker on its host (`predecessors.ts`): their claims are a previous life's. */
  previousLives: ReadonlySet<string>;
  /** How often the owner's lease refreshes its entries. */
  refreshEveryMs: number;
  ack(d: Delivery<ExecutionScheduled>): Promise<void>;
}

export interface Claims {
  /** One claim per delivery, in order. */
  claim(batch: readonly Delivery<ExecutionScheduled>[]): Promise<Claim[]>;
  /** Watches a stale owner for one liveness period: `alive` (its entry left to it) or `lost`. */
  confirmLost(d: Delivery<ExecutionScheduled>, owner: string): Promise<'lost' | 'alive'>;
}

export function createClaims(ctx: AttuneContext, o: ClaimsOptions): Claims {
  const { heartbeatMs } = ctx.config.worker;
  const claimKey = (d: Delivery<ExecutionScheduled>) => ctx.keys.executionClaim(d.message.payload.executionId);

  /** `wonNow`: executions this batch just claimed (a second entry of one is a duplicate, not a previous life). */
  async function ownersOf(batch: Delivery<ExecutionScheduled>[], wonNow: Set<number>): Promise<Map<Delivery<ExecutionScheduled>, Claim>> {
    const owners = await ctx.redis.mget(...batch.map(claimKey));
    const workers = await readRegistrations(ctx);
    const now = Date.now();
    return new Map(
      batch.map((d, i): [Delivery<ExecutionScheduled>, Claim] => {
        const value = owners[i] ?? null;
        const { workerId: owner, life } = value === null ? { workerId: null, life: null } : parseClaim(value);
        const alive = workers.some((w) => w.id === owner && isLive(w, now, ctx.config.workerLiveMs));
        const executionId = d.message.payload.executionId;
        // Taken by this life: it runs it now or has run it (a republished or duplicate entry).
        if (owner === o.workerId && life === o.life) return [d, { kind: 'duplicate' }];
        if (owner !== null && (owner === o.workerId || o.previousLives.has(owner)) && !o.isRunning(executionId) && !wonNow.has(executionId))
          return [d, { kind: 'ours', owner }];
        if (owner === null || owner === o.workerId || alive) return [d, { kind: 'duplicate' }];
        return [d, { kind: 'stale', owner }];
      }),
    );
  }

  return {
    async claim(batch) {
      const pipe = ctx.redis.pipeline();
      for (const d of batch) {
        pipe.set(claimKey(d), claimValue(o.workerId, o.life), 'EX', EXECUTION_KEY_TTL_S, 'NX');
        pipe.exists(ctx.keys.executionCancel(d.message.payload.executionId));
      }
      const replies = (await pipe.exec()) ?? [];
      const claims: (Claim | null)[] = batch.map((_, i) => {
        const [err, res] = replies[2 * i] ?? [new Error('no reply'), null];
        const [cancelErr, cancelMarked] = replies[2 * i + 1] ?? [new Error('no reply'), null];
        if (err) throw err;
        if (cancelErr) throw cancelErr;
        if (res !== 'OK') return null;
        return cancelMarked === 1 ? { kind: 'canceled' } : { kind: 'won' };
      });
      const taken = batch.filter((_, i) => claims[i] === null);
      if (taken.length === 0) return claims as Claim[];
      const wonNow = new Set(batch.filter((_, i) => claims[i] !== null).map((d) => d.message.payload.executionId));
      const owners = await ownersOf(taken, wonNow);
      return batch.map((d, i) => claims[i] ?? (owners.get(d) as Claim));
    },

    async confirmLost(d, owner) {
      const since = Date.now();
      const deadline = since + ctx.config.workerLiveMs + 2 * heartbeatMs;
      while (Date.now() < deadline) {
        await sleep(heartbeatMs);
        if (o.isStopping()) return 'alive'; // left pending for others
        const back = (await readRegistrations(ctx)).find((w) => w.id === owner && w.heartbeatAt > since);
        if (back) {
          await sleep(o.refreshEveryMs + heartbeatMs);
          const [row] = (await ctx.redis.xpending(d.def.key, 'worker', d.entryId, d.entryId, 1)) as [string, string][];
          if (row?.[1] === o.workerId) await o.ack(d); // a copy its owner does not hold
          return 'alive';
        }
      }
      return 'lost';
    },
  };
}
