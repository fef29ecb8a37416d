/** The consumer loop against a real Redis: poison messages, retries, max deliveries, claims. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Redis } from 'ioredis';
import { streamCatalog } from '../../src/streams/catalog.ts';
import { StreamConsumer, type ConsumerOptions, type ConsumerSettings, type Delivery } from '../../src/streams/consumer.ts';
import { Publisher } from '../../src/streams/publisher.ts';
import { createBlockingRedis, createRedis } from '../../src/streams/redis.ts';
import type { ExecutionRequested } from '../../src/streams/messages.ts';
import { dropIsolation, eventually, isolation, redisUrl } from '../support.ts';

const iso = isolation('consumer');
const catalog = streamCatalog(iso.namespace);
const redis = createRedis(redisUrl, 'test');
const raw = new Redis(redisUrl);
const publisher = new Publisher(redis, { maxLen: 10_000, maxPayloadBytes: 1_048_576 });
const log = pino({ level: 'silent' });
const running: StreamConsumer<ExecutionRequested>[] = [];

const settings: ConsumerSettings = { batchSize: 50, blockMs: 200, claimIdleMs: 300, claimEveryMs: 100, maxDeliveries: 3, maxPayloadBytes: 4096 };

function consumer(
  name: string,
  handle: (b: Delivery<ExecutionRequested>[]) => Promise<void>,
  def = catalog.executionRequested,
  extra: Partial<ConsumerOptions<ExecutionRequested>> = {},
) {
  const c = new StreamConsumer<ExecutionRequested>({
    name,
    redis,
    blocking: createBlockingRedis(redisUrl, name),
    catalog,
    streams: [def],
    group: 'scheduler',
    consumer: name,
    settings,
    deadMaxLen: 10_000,
    log,
    handle,
    ...extra,
  });
  running.push(c);
  c.start();
  return c;
}

async function deadEntries(): Promise<Record<string, string>[]> {
  const entries = (await raw.xrange(catalog.dead.key, '-', '+')) as [string, string[]][];
  return entries.map(([, f]) => Object.fromEntries(f.reduce<[string, string][]>((acc, v, i) => (i % 2 ? acc : [...acc, [v, f[i + 1] as string]]), [])));
}

async function pending(def = catalog.executionRequested): Promise<number> {
  const [count] = (await raw.xpending(def.key, 'scheduler')) as [number];
  return Number(count);
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
  expect(running).toHaveLength(0);
});
afterAll(async () => {
  redis.disconnect();
  raw.disconnect();
  await dropIsolation(iso.namespace, iso.schema);
});

describe('consumer loop', () => {
  it('moves garbage to the dead stream with a readable reason, acks it, and goes on', async () => {
    const seen: number[] = [];
    consumer('c1', async (batch) => void seen.push(...batch.map((d) => d.message.payload.executionId)));
    const key = catalog.executionRequested.key;
    await eventually('group created', async () => (await raw.exists(key)) === 1);
    await raw.xadd(key, '*', 'junk', 'x');
    await raw.xadd(key, '*', 'type', 'execution.requested', 'id', '1', 'trace', 't', 'payload', '{not json');
    await raw.xadd(key, '*', 'type', 'event.created', 'id', '2', 'trace', 't', 'payload', '{"executionId":1}');
    await raw.xadd(key, '*', 'type', 'execution.requested', 'id', '3', 'trace', 't', 'payload', '{"executionId":"one"}');
    await raw.xadd(key, '*', 'type', 'execution.requested', 'id', '4', 'trace', 't', 'payload', JSON.stringify({ executionId: 1, pad: 'x'.repeat(10_000) }));
    await publisher.publish(catalog.executionRequested, { executionId: 42 });
    await eventually('the valid message handled', () => seen.includes(42));
    const dead = await eventually('5 dead letters', async () => {
      const d = await deadEntries();
      return d.length === 5 ? d : null;
    });
    const reasons = dead.map((d) => d.error);
    expect(reasons[0]).toMatch(/missing field/);
    expect(reasons[1]).toMatch(/not valid JSON/);
    expect(reasons[2]).toMatch(/type "event.created" does not belong/);
    expect(reasons[3]).toMatch(/payload does not match execution.requested/);
    expect(reasons[4]).toMatch(/over the limit of 4096/);
    for (const d of dead) {
      expect(d.origin).toBe(key);
      expect(JSON.parse(d.payload as string)).toMatchObject({ origin: key, group: 'scheduler', deliveries: 1 });
    }
    expect(seen).toEqual([42]);
    expect(await pending()).toBe(0);
  });

  it('retries a failing message and dead-letters it after maxDeliveries; the rest of its batch is acked', async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:retry-test` };
    const handled: number[] = [];
    const calls: number[][] = [];
    consumer(
      'c2',
      async (batch) => {
        calls.push(batch.map((d) => d.message.payload.executionId));
        if (batch.some((d) => d.message.payload.executionId === 13)) throw new Error('unlucky thirteen');
        handled.push(...batch.map((d) => d.message.payload.executionId));
      },
      def,
    );
    await eventually('group created', async () => (await raw.exists(def.key)) === 1);
    await publisher.publishMany([12, 13, 14].map((executionId) => ({ def, payload: { executionId } })));
    await eventually('13 dead-lettered and nothing pending', async () => (await deadEntries()).some((d) => d.origin === def.key) && (await pending(def)) === 0);
    const dead = (await deadEntries()).filter((d) => d.origin === def.key);
    expect(dead).toHaveLength(1); // exactly one dead letter: the culprit
    expect(dead[0]?.error).toMatch(/delivered 4 times \(max 3\); last error: unlucky thirteen/);
    const letter = JSON.parse(dead[0]?.payload as string) as { deliveries: number; group: string; fields: { payload: string } };
    expect(letter).toMatchObject({ deliveries: 4, group: 'scheduler' });
    expect(JSON.parse(letter.fields.payload)).toEqual({ executionId: 13 });
    // 13 alone once per delivery (directly, or when its batch is split); the 4th goes to dead unhandled.
    expect(calls.filter((c) => c.length === 1 && c[0] === 13)).toHaveLength(3);
    expect(handled.sort()).toEqual([12, 14]); // each of the others handled exactly once, and acked
  });

  it('a transient error retries the same batch without counting a delivery', async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:transient-test` };
    let failures = 0;
    const got: Delivery<ExecutionRequested>[] = [];
    consumer(
      'c3',
      async (batch) => {
        if (failures < 3) {
          failures++;
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        got.push(...batch);
      },
      def,
    );
    await eventually('group created', async () => (await raw.exists(def.key)) === 1);
    await publisher.publish(def, { executionId: 5 });
    await eventually('handled after 3 transient failures, and acked', async () => got.length === 1 && (await pending(def)) === 0);
    expect(failures).toBe(3);
    expect(got).toHaveLength(1);
    expect(got[0]?.deliveries).toBe(1);
  });

  it('while backing off, state() says why', async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:state-test` };
    const c = consumer('c4', async () => Promise.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' })), def);
    await publisher.publish(def, { executionId: 6 });
    await eventually('backing off with the error', () => /^backingOff: connection reset$/.test(c.state()));
  });

  it('the one-by-one retry of a failed batch has the same deadline as the batch', async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:deadline-test` };
    await publisher.publishMany([21, 22].map((executionId) => ({ def, payload: { executionId } })));
    const calls: number[][] = [];
    consumer(
      'c5',
      async (batch) => {
        calls.push(batch.map((d) => d.message.payload.executionId));
        if (calls.length === 1) throw new Error('bad batch'); // the batch fails for a reason of its own…
        if (calls.length === 2) await new Promise(() => {}); // …and its first message, alone, never settles
      },
      def,
      { handleDeadlineMs: 300 },
    );
    await eventually('the batch handled again after the deadline, and acked', async () => calls.length >= 3 && (await pending(def)) === 0);
    expect(calls.slice(0, 3)).toEqual([[21, 22], [21], [21, 22]]);
  });

  it('a batch whose handling never settles is handled again after settings.handleDeadlineMs (ATTUNE_CONSUMER_HANDLE_DEADLINE_MS)', async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:settings-deadline-test` };
    await publisher.publish(def, { executionId: 31 });
    let calls = 0;
    consumer(
      'c6',
      async () => {
        calls++;
        if (calls === 1) await new Promise(() => {}); // a query lost with its connection: never settles
      },
      def,
      { settings: { ...settings, handleDeadlineMs: 1000 } },
    );
    await eventually('handled again after the deadline, and acked', async () => calls === 2 && (await pending(def)) === 0, 10_000);
  });

  it("takes over entries idle in another consumer's pending list (XAUTOCLAIM)", async () => {
    const def = { ...catalog.executionRequested, key: `${iso.namespace}:claim-test` };
    let stuckReads = 0;
    let release = () => {};
    consumer(
      'stuck',
      async () => {
        stuckReads++;
        await new Promise<void>((r) => (release = r)); // hangs until the end of the test: as good as dead
      },
      def,
    );
    await eventually('group created', async () => (await raw.exists(def.key)) === 1);
    await publisher.publish(def, { executionId: 77 });
    await eventually('the stuck consumer took it', () => stuckReads === 1);
    const rescued: Delivery<ExecutionRequested>[] = [];
    consumer('rescuer', async (b) => void rescued.push(...b), def);
    await eventually('claimed by the rescuer, and acked', async () => rescued.length === 1 && (await pending(def)) === 0);
    expect(rescued[0]?.message.payload.executionId).toBe(77);
    expect(rescued[0]?.deliveries).toBe(2);
    expect(stuckReads).toBe(1);
    release(); // lets the stuck consumer stop with the others (it would leak its connection otherwise)
  });
});
