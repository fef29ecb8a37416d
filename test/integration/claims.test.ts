/**
 * Who holds an execution's claim decides what a worker does with an entry of it: this life
 * (running it or done with it: a duplicate, acked), a previous life of this worker or of a dead
 * predecessor (abandoned), another worker (left to it, or confirmed lost). Real Redis, the worker's
 * own claim module.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createClaims } from '../../src/actors/worker/claims.ts';
import { resolveConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { claimValue } from '../../src/domain/execution-lifecycle.ts';
import type { Delivery } from '../../src/streams/consumer.ts';
import type { ExecutionScheduled } from '../../src/streams/messages.ts';
import { createRedis } from '../../src/streams/redis.ts';
import { deleteKeys, isolation, redisUrl } from '../support.ts';

const iso = isolation('claims');
const config = resolveConfig({ namespace: iso.namespace, schema: iso.schema, redis: redisUrl });
const redis = createRedis(redisUrl, 'attune:test:claims');
const ctx = createContext({ config, log: pino({ level: 'silent' }), redisUrl, redis, sql: null, handlers: new Map() });

const delivery = (executionId: number) =>
  ({
    def: ctx.catalog.executionScheduled('shell'),
    entryId: `${executionId}-0`,
    message: { payload: { executionId } },
  }) as unknown as Delivery<ExecutionScheduled>;

function claimsOf(workerId: string, life: string, previousLives: string[] = []) {
  return createClaims(ctx, {
    workerId,
    life,
    isRunning: () => false,
    isStopping: () => false,
    previousLives: new Set(previousLives),
    refreshEveryMs: 100,
    ack: async () => {},
  });
}

describe('execution claims', () => {
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(`${iso.namespace}:`);
  });

  it('a second entry of an execution this life has run is a duplicate, not a previous life (it was reported abandoned)', async () => {
    const w = claimsOf('w1', 'lifeA');
    expect(await w.claim([delivery(1)])).toEqual([{ kind: 'won' }]);
    expect(await redis.get(ctx.keys.executionClaim(1))).toBe(claimValue('w1', 'lifeA'));
    expect(await w.claim([delivery(1)])).toEqual([{ kind: 'duplicate' }]);
  });

  it('two batches read at once with the same execution: one wins, the other is a duplicate', async () => {
    const w = claimsOf('w1', 'lifeA');
    const [a, b] = await Promise.all([w.claim([delivery(2), delivery(3)]), w.claim([delivery(2)])]);
    expect([...(a ?? []), ...(b ?? [])].map((c) => c.kind).sort()).toEqual(['duplicate', 'won', 'won']);
  });

  it("the same worker id's next life, or a dead predecessor's claim, is a previous life", async () => {
    await claimsOf('w1', 'lifeA').claim([delivery(4)]);
    await claimsOf('dead', 'x').claim([delivery(5)]);
    await redis.set(ctx.keys.executionClaim(6), 'w1'); // a claim taken before lives were recorded
    const next = claimsOf('w1', 'lifeB', ['dead']);
    expect(await next.claim([delivery(4), delivery(5), delivery(6), delivery(7)])).toEqual([
      { kind: 'ours', owner: 'w1' },
      { kind: 'ours', owner: 'dead' },
      { kind: 'ours', owner: 'w1' },
      { kind: 'won' },
    ]);
  });

  it("another worker's claim names that worker: an unregistered one is stale", async () => {
    await claimsOf('w9', 'z').claim([delivery(8)]);
    expect(await claimsOf('w1', 'lifeA').claim([delivery(8)])).toEqual([{ kind: 'stale', owner: 'w9' }]);
  });
});
