/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON replies are read loosely; each field read is asserted. */
/**
 * `GET /api/v1/rules/:ref/enforcements`: what a throttled rule made of real events (an enforcer in
 * this process), filtered by status and paged with `before`/`next` like the executions list; a rule
 * that never existed is a 404, an unknown status a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

type Json = Record<string, any>;

describe('HTTP API: rule enforcements', () => {
  let attune: Attune;
  let server: HttpServer;
  let viewer = '';
  const get = async (path: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${viewer}` } });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    attune = await testAttune('httpenf');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.rules.create({
      name: 'throttled',
      pack: 'core',
      trigger: { type: 'core.event' },
      action: { ref: 'core.echo', parameters: { message: '{{ trigger.host }} {{ trigger.n }}' } },
      flow: { throttle: { limit: 1, per: '1m', key: '{{ trigger.host }}' } },
    });
    await attune.start({ actors: ['enforcer'] });
    server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: null });
    viewer = (await attune.apiKeys.create('viewer', 'enforcements')).key;
    // 4 events for host a, 3 for host b: one run per host, 5 throttled.
    for (let n = 0; n < 7; n++) await attune.emit('core.event', { host: n < 4 ? 'a' : 'b', n });
    await eventually('7 enforcements', async () => (await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from enforcement`)[0]?.n === 7, 60_000);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  it('filters by status: each held-back one names its decision, key and reason; a created one links its execution', async () => {
    const throttled = await get('/rules/core.throttled/enforcements?status=throttled');
    expect(throttled.status).toBe(200);
    expect(throttled.body.next).toBeNull();
    expect(throttled.body.items).toHaveLength(5);
    for (const e of throttled.body.items) {
      expect(Object.keys(e).sort()).toEqual(['created_at', 'event_id', 'execution_id', 'flow_key', 'id', 'reason', 'status']);
      expect(e).toMatchObject({ status: 'throttled', execution_id: null });
      expect(e.reason.startsWith(`throttled: 1 enforcement(s) per 1m for key "${e.flow_key}"`)).toBe(true);
      expect(typeof e.event_id).toBe('string');
      expect(Number.isNaN(Date.parse(e.created_at))).toBe(false);
    }
    expect(throttled.body.items.map((e: Json) => e.flow_key).sort()).toEqual(['a', 'a', 'a', 'b', 'b']);

    const created = await get('/rules/core.throttled/enforcements?status=created');
    expect(created.body.items).toHaveLength(2);
    const rows = await probe(attune).sql<{ id: number; message: string }[]>`select id, parameters->>'message' as message from execution order by id`;
    expect(created.body.items.map((e: Json) => e.execution_id).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(rows.map((r) => r.message)).toEqual(['a 0', 'b 4']);
  });

  it('pages newest first with `before` = the previous `next`, `next` null on the last page (also when it is exactly full)', async () => {
    const seen: number[] = [];
    let before: number | null = null;
    const nexts: (number | null)[] = [];
    do {
      const page = await get(`/rules/core.throttled/enforcements?limit=3${before ? `&before=${before}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeGreaterThan(0);
      seen.push(...page.body.items.map((e: Json) => e.id as number));
      before = page.body.next;
      nexts.push(before);
    } while (before !== null && nexts.length < 5);
    expect(seen).toHaveLength(7);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
    expect(nexts).toEqual([seen[2], seen[5], null]);
    expect((await get('/rules/core.throttled/enforcements?limit=7')).body).toMatchObject({ next: null });
    expect((await get('/rules/core.throttled/enforcements?status=throttled&limit=5')).body.next).toBeNull();
    const filtered = await get(`/rules/core.throttled/enforcements?status=throttled&limit=2&before=${seen[0]}`);
    expect(filtered.body.items.every((e: Json) => e.status === 'throttled' && e.id < seen[0]!)).toBe(true);
    expect(filtered.body.next).toBe(filtered.body.items[1].id);
  });

  it('a rule that never existed is a 404; an existing rule without enforcements is an empty page', async () => {
    expect(await get('/rules/core.never/enforcements')).toEqual({ status: 404, body: { error: 'no rule "core.never"' } });
    expect(await get('/rules/core.hello_world_timer/enforcements')).toEqual({ status: 200, body: { items: [], next: null } });
  });

  it('an unknown status, a bad limit or cursor is a 400 naming the field and the value', async () => {
    const bad = await get('/rules/core.throttled/enforcements?status=skipped');
    expect(bad).toMatchObject({ status: 400, body: { field: 'query.status' } });
    expect(bad.body.error).toContain('"skipped"');
    expect(bad.body.error).toContain('throttled');
    expect(await get('/rules/core.throttled/enforcements?limit=501')).toMatchObject({ status: 400, body: { field: 'query.limit' } });
    expect(await get('/rules/core.throttled/enforcements?before=x')).toMatchObject({ status: 400, body: { field: 'query.before' } });
  });
});
