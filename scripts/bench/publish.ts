/**
 * The publisher alone: messages/s onto a grouped stream through the ceiling check (`publish.lua`,
 * one round trip), beside the floor of a plain `XADD MAXLEN ~` of the same fields on the same
 * auto-pipelined connection. `inFlight` callers publish one message each, as emit() callers do.
 */
import { encode } from '../../src/streams/codec.ts';
import { withEnv } from './env.ts';

async function rate(n: number, inFlight: number, one: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

export async function publishRates(n: number, inFlight: number): Promise<{ capped: number; plain: number }> {
  return withEnv('pub', async (env) => {
    const { publisher, catalog, redis } = env.probe;
    const def = catalog.executionRequested;
    await redis.xgroup('CREATE', def.key, def.group as string, '0', 'MKSTREAM');
    const capped = await rate(n, inFlight, (i) => publisher.publish(def, { executionId: i + 1 }));
    await redis.del(def.key);
    const plainKey = `${def.key}.floor`;
    const plain = await rate(n, inFlight, (i) => redis.xadd(plainKey, 'MAXLEN', '~', 1_000_000, '*', ...encode(def, { executionId: i + 1 })));
    await redis.del(plainKey);
    return { capped, plain };
  });
}
