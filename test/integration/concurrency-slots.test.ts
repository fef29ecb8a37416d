/**
 * The slot scripts on real Redis: a freed slot is handed to the first in line in the same atomic
 * step, so two releases in one batch hand over to two different waiters (before, both named the same
 * first waiter and the second slot sat idle until an audit), and never past the scope's limit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { concurrencySlots } from '../../src/limits/concurrency-slots.ts';
import { keyCatalog } from '../../src/streams/catalog.ts';
import { createRedis } from '../../src/streams/redis.ts';
import { deleteKeys, isolation, redisUrl } from '../support.ts';

const iso = isolation('slots');
const keys = keyCatalog(iso.namespace);
const redis = createRedis(redisUrl, 'attune:test:slots');
const slots = concurrencySlots(redis, keys);

afterAll(async () => {
  redis.disconnect();
  await deleteKeys(`${iso.namespace}:`);
});

async function held(scope: string): Promise<number[]> {
  return (await redis.smembers(keys.slotHolders(scope))).map(Number).sort((a, b) => a - b);
}

describe('concurrency slots', () => {
  it('takes slots oldest first and puts the rest in line', async () => {
    const scope = 'p.a|';
    expect(await Promise.all([1, 2, 3, 4].map((id) => slots.acquire(scope, 2, id)))).toEqual([true, true, false, false]);
    expect(await held(scope)).toEqual([1, 2]);
    expect(await redis.zrange(keys.slotLine(scope), 0, -1)).toEqual(['3', '4']);
  });

  it('two releases at once hand their slots to two different waiters, in arrival order', async () => {
    const scope = 'p.b|';
    for (const id of [11, 12, 13, 14, 15]) await slots.acquire(scope, 2, id);
    const granted = (await Promise.all([slots.release(11, 2), slots.release(12, 2)])).flat().sort((a, b) => a - b);
    expect(granted).toEqual([13, 14]);
    expect(await held(scope)).toEqual([13, 14]);
    expect(await redis.zrange(keys.slotLine(scope), 0, -1)).toEqual(['15']);
    // The woken execution's scheduler finds it holding.
    expect(await slots.acquire(scope, 2, 13)).toBe(true);
    expect(await slots.acquire(scope, 2, 15)).toBe(false);
  });

  it('hands over only up to the limit, and nothing without one (cancel, audit frees)', async () => {
    const scope = 'p.c|';
    for (const id of [21, 22, 23, 24]) await slots.acquire(scope, 2, id);
    // The limit was lowered to 1 (a pack reload): the freed slot is not handed over while 1 is held.
    expect(await slots.release(21, 1)).toEqual([]);
    expect(await held(scope)).toEqual([22]);
    expect(await slots.release(22, 0)).toEqual([]);
    expect(await held(scope)).toEqual([]);
    expect(await redis.zrange(keys.slotLine(scope), 0, -1)).toEqual(['23', '24']);
    // A waiter that leaves the line hands nothing over and frees its marker.
    expect(await slots.release(24, 2)).toEqual([]);
    expect(await redis.exists(keys.executionSlot(24))).toBe(0);
    expect(await redis.zrange(keys.slotLine(scope), 0, -1)).toEqual(['23']);
  });
});
