/**
 * Without ATTUNE_SECRET_KEY the key generated in Redis is read once per context and
 * SECRET_KEY_CACHE_MS (clock injected, not waited for): deleting it in Redis changes nothing
 * within the period (no SET NX recreated it: Redis was not asked), and after it the context
 * reads, here generates, the key again and agrees with another process.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SECRET_KEY_CACHE_MS, deriveKey, secretKey } from '../../src/actions/secrets.ts';
import { resolveConfig } from '../../src/config.ts';
import { createContext } from '../../src/context.ts';
import { createRedis } from '../../src/streams/redis.ts';
import { deleteKeys, isolation, redisUrl } from '../support.ts';

const iso = isolation('secret-key-cache');
const config = resolveConfig({ namespace: iso.namespace, schema: iso.schema, redis: redisUrl }, {});
const redis = createRedis(redisUrl, 'attune:test:secret-key-cache');
const context = () => createContext({ config, log: pino({ level: 'silent' }), redisUrl, redis, sql: null, handlers: new Map() });

describe('generated secret key cache', () => {
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(`${iso.namespace}:`);
  });

  it('serves the key read from Redis for SECRET_KEY_CACHE_MS, then reads Redis again', async () => {
    expect(config.secretKey).toBeFalsy();
    const ctx = context();
    let t = 1_000_000;
    const now = () => t;
    const first = await secretKey(ctx, now);
    const stored = await redis.get(ctx.keys.secretKey);
    expect(stored).toBeTruthy();
    expect(first.equals(deriveKey(stored as string))).toBe(true);

    await redis.del(ctx.keys.secretKey); // Redis lost it
    t += SECRET_KEY_CACHE_MS - 1;
    expect((await secretKey(ctx, now)).equals(first)).toBe(true);
    expect(await redis.exists(ctx.keys.secretKey)).toBe(0);

    t += 1;
    const next = await secretKey(ctx, now);
    expect(next.equals(first)).toBe(false);
    const regenerated = await redis.get(ctx.keys.secretKey);
    expect(next.equals(deriveKey(regenerated as string))).toBe(true);
    expect((await secretKey(context())).equals(next)).toBe(true); // another process agrees
  });
});
