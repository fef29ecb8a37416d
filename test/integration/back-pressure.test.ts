/**
 * Streams are trimmed only behind every group, and a full stream pushes back: with the enforcer
 * down and `streamMaxLen` at its minimum, every emit either lands (and is stored once the enforcer
 * runs) or is refused with a BackPressureError; nothing accepted is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import type { Attune } from '../../src/index.ts';
import { BackPressureError } from '../../src/errors.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const TOKEN = 'tok-0123456789abcdef';
const CEILING = 1000;

describe('back-pressure and trimming behind the groups', () => {
  let attune: Attune;
  const servers: HttpServer[] = [];
  beforeAll(async () => {
    attune = await testAttune('backpressure', { streamMaxLen: CEILING, streams: { trimEveryMs: 100 }, webhook: { port: 0, host: '127.0.0.1' } });
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await disposeAttune(attune);
  });

  it('20,000 emits with the enforcer down: accepted ones all stored, every refused one got BackPressureError', async () => {
    let accepted = 0;
    const refusals: unknown[] = [];
    for (let i = 0; i < 20_000; i += 500) {
      const chunk = await Promise.allSettled(Array.from({ length: 500 }, (_, j) => attune.emit('core.event', { n: i + j })));
      for (const r of chunk) {
        if (r.status === 'fulfilled') accepted++;
        else refusals.push(r.reason);
      }
    }
    expect(accepted + refusals.length).toBe(20_000);
    expect(accepted).toBe(CEILING);
    expect(refusals.every((e) => e instanceof BackPressureError && /event\.created is full .*streamMaxLen=1000/.test(e.message))).toBe(true);

    const [enforcer] = await attune.start({ actors: ['enforcer'] });
    const stored = await eventually(
      'the enforcer drained event.created',
      async () => {
        const [row] = await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from event`;
        const stats = await attune.streams();
        const ev = stats.find((s) => s.type === 'event.created');
        const idle = ev?.groups.every((g) => g.pending === 0 && g.lag === 0);
        return idle && row && row.n >= accepted ? row.n : null;
      },
      60_000,
    );
    expect(stored).toBe(accepted);
    // The periodic trim cuts what the group acked; producers are let in again.
    const key = probe(attune).catalog.eventCreated.key;
    await eventually('event.created trimmed behind the enforcer', async () => (await probe(attune).redis.xlen(key)) <= 1);
    await expect(attune.emit('core.event', { after: true })).resolves.toHaveProperty('eventId');
    await enforcer?.stop();
  });

  it('never trims an entry a group has not acked, nor a stream no group has read', async () => {
    const { redis, catalog } = probe(attune);
    const key = `${catalog.namespace}:trimtest`; // not a catalog stream: the running trimmer leaves it to this test
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await redis.xadd(key, '*', 'n', String(i))) as string);
    expect(await redis.trimAcked(key)).toBe(0); // no group: nobody read it
    await redis.xgroup('CREATE', key, 'worker', '0');
    await redis.xreadgroup('GROUP', 'worker', 'c1', 'COUNT', 5, 'STREAMS', key, '>');
    await redis.xack(key, 'worker', ids[0] as string, ids[1] as string, ids[3] as string);
    expect(await redis.trimAcked(key)).toBe(2); // up to the oldest pending (ids[2])
    expect(((await redis.xrange(key, '-', '+')) as [string, string[]][]).map(([id]) => id)).toEqual(ids.slice(2));
    await redis.xack(key, 'worker', ids[2] as string, ids[4] as string);
    expect(await redis.trimAcked(key)).toBe(2); // up to the last delivered (ids[4], kept)
    await redis.xgroup('CREATE', key, 'other', '0');
    expect(await redis.trimAcked(key)).toBe(0); // a second group has read nothing
    expect(await redis.xlen(key)).toBe(6);
    await redis.del(key);
  });

  it('a webhook answers 503 with the reason while event.created is full', async () => {
    await attune.rules.create({
      name: 'bp_hook',
      pack: 'core',
      trigger: { type: 'core.webhook', parameters: { name: 'bp', token: TOKEN } },
      action: { ref: 'core.noop' },
    });
    const hook = await startHttpServer(attune, { webDir: null });
    servers.push(hook);
    // The enforcer is stopped (first test): what lands on event.created stays unread. Filled
    // through the same publisher (entries another process adds are seen at its next length
    // refresh, see length-cache.ts), until it refuses.
    let refused: unknown = null;
    for (let i = 0; i <= CEILING && refused === null; i++)
      refused = await attune.emit('core.event', { fill: i }).then(
        () => null,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(BackPressureError);
    const res = await fetch(`${hook.url}/webhooks/bp`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-attune-token': TOKEN },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: string }).error).toMatch(/event\.created is full/);
  });
});
