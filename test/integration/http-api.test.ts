/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON replies are read loosely; each field read is asserted. */
/**
 * The HTTP API: every route refuses no key (401) and, when it writes, a viewer key (403), and
 * neither leaves anything behind; bad input is a 400 naming the field; the OpenAPI document lists
 * exactly the routes and the body fields they require; runs, cancels, rules and keys work end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { apiRoutes } from '../../src/http/api.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

type Json = Record<string, any>;

describe('HTTP API', () => {
  let attune: Attune;
  let server: HttpServer;
  const keys: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };
  const call = async (method: string, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Json };
  };
  /** Something concrete for every path parameter. */
  const concrete = (path: string) => path.replace(':id', '1').replace(':ref', 'core.hello_world_timer');
  const footprint = async () => {
    const p = probe(attune);
    const [row] = await p.sql<Json[]>`select (select count(*) from execution)::int as e, (select count(*) from rule)::int as r,
      (select count(*) from api_key)::int as k, (select count(*) from rule where enabled)::int as en`;
    const streams = await attune.streams();
    return { ...row, streams: streams.map((s) => `${s.type}:${s.length}`).join(',') };
  };

  beforeAll(async () => {
    attune = await testAttune('httpapi');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
    server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: null });
    for (const role of ['viewer', 'operator', 'admin'] as const) keys[role] = (await attune.apiKeys.create(role, `test ${role}`)).key;
  });
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  it('every route: 401 without a key or with a wrong one, 403 for a viewer on a write; nothing is left behind', async () => {
    const before = await footprint();
    for (const r of apiRoutes) {
      const path = concrete(r.path);
      const body = r.body ? {} : undefined;
      expect((await call(r.method, path, null, body)).status, `${r.method} ${r.path} without key`).toBe(401);
      expect((await call(r.method, path, 'atk_wrong', body)).status, `${r.method} ${r.path} wrong key`).toBe(401);
      if (r.role !== 'viewer') {
        const res = await call(r.method, path, keys.viewer, body);
        expect(res.status, `${r.method} ${r.path} with a viewer key`).toBe(403);
        expect(res.body.error).toMatch(new RegExp(`needs the ${r.role} role`));
      }
    }
    expect(await footprint()).toEqual(before);
  });

  it('the OpenAPI document lists exactly the routes, and a body missing a required field gets a 400 naming it', async () => {
    const doc = (await call('GET', '/openapi.json', null)).body;
    const documented = Object.entries(doc.paths as Json).flatMap(([p, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(apiRoutes.map((r) => `${r.method} /api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`).sort());
    let checked = 0;
    for (const r of apiRoutes.filter((x) => x.body)) {
      const op = (doc.paths as Json)[`/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`][r.method.toLowerCase()];
      const required: string[] = op.requestBody.content['application/json'].schema.required ?? [];
      if (required.length === 0) continue;
      const res = await call(r.method, concrete(r.path), keys.admin, {});
      expect(res.status, `${r.method} ${r.path} with {}`).toBe(400);
      expect(required.map((f) => `body.${f}`)).toContain(res.body.field);
      expect(res.body.error).toContain(res.body.field);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('bad params and query values are 400s naming the field', async () => {
    const bad = await call('GET', '/executions/abc', keys.viewer);
    expect(bad).toMatchObject({ status: 400, body: { field: 'params.id' } });
    const status = await call('GET', '/executions?status=nope', keys.viewer);
    expect(status).toMatchObject({ status: 400, body: { field: 'query.status' } });
    expect((await call('GET', '/executions?limit=0', keys.viewer)).body.field).toBe('query.limit');
    const param = await call('POST', '/executions', keys.operator, { action: 'core.echo', parameters: { nope: 1 } });
    expect(param.status).toBe(400);
    expect(param.body.error).toMatch(/nope/);
    expect((await call('GET', '/executions/999999', keys.viewer)).status).toBe(404);
  });

  it('bad shapes get clear errors, never a silent drop: unknown fields and query parameters, Content-Type, JSON, size, methods', async () => {
    const before = await footprint();
    const raw = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}${path}`, { method, body, headers: { authorization: `Bearer ${keys.admin}`, ...headers } });
      return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as Json };
    };
    const json = { 'content-type': 'application/json' };
    // A misspelt field or filter is refused, not ignored (core.noop would have run without the parameters).
    const typo = await call('POST', '/executions', keys.operator, { action: 'core.noop', params: { x: 1 } });
    expect(typo).toMatchObject({ status: 400, body: { field: 'body.params' } });
    expect(typo.body.error).toMatch(/unknown field; known: action, parameters, timeoutMs/);
    expect(await call('GET', '/executions?stauts=failed', keys.viewer)).toMatchObject({ status: 400, body: { field: 'query.stauts' } });
    expect((await call('GET', `/workers?key=${keys.viewer}`, null)).status).toBe(200);
    // The value given is in the message.
    expect((await call('GET', '/executions?limit=abc', keys.viewer)).body.error).toContain('(got "abc")');
    // JSON only: a JSON text sent as text/plain (fetch's default for a string) or a form is a 415.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await raw('POST', '/api/v1/executions', '{"action":"core.noop"}', { 'content-type': type });
      expect(res, type).toMatchObject({ status: 415, body: { field: 'headers.content-type' } });
      expect(res.body.error).toContain(type);
    }
    expect(await raw('POST', '/api/v1/executions', '{bad', json)).toMatchObject({ status: 400, body: { field: 'body' } });
    const limit = attune.config.webhook.bodyLimitBytes;
    const big = await raw('POST', '/api/v1/executions', JSON.stringify({ action: 'core.echo', parameters: { message: 'x'.repeat(limit) } }), json);
    expect(big).toMatchObject({ status: 413, body: { error: `body larger than ${limit} bytes` } });
    // A known path with another method is a 405 naming the methods; an unknown path a JSON 404.
    expect(await raw('DELETE', '/api/v1/executions')).toMatchObject({ status: 405, allow: 'GET, POST' });
    expect(await raw('GET', '/webhooks/deploy')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await raw('POST', '/metrics')).toMatchObject({ status: 405, allow: 'GET' });
    expect(await raw('GET', '/nope')).toMatchObject({ status: 404, body: { error: 'no route GET /nope' } });
    expect(await call('GET', '/executions/999999/children', keys.viewer)).toMatchObject({ status: 404, body: { error: 'execution 999999 does not exist' } });
    expect(await footprint()).toEqual(before);
  });

  it('output feed: a garbage Last-Event-ID is a 400; resuming from the last entry ends the stream instead of hanging', async () => {
    const run = await attune.run('core.local', { cmd: 'echo resume me' });
    await eventually('the run succeeded', async () => (await attune.executions.get(run.id))?.status === 'succeeded');
    const feed = async (lastEventId?: string) => {
      const res = await fetch(`${server.url}/api/v1/executions/${run.id}/output`, {
        headers: { authorization: `Bearer ${keys.viewer}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, text: await res.text() };
    };
    const bad = await feed('garbage');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ field: 'headers.last-event-id' });
    await expect(attune.executions.watch(run.id, { after: 'garbage' }).next()).rejects.toThrow(/after: "garbage" is not an output entry id/);
    const all = await feed();
    const ids = [...all.text.matchAll(/^id: (.+)$/gm)].map((m) => m[1] ?? '');
    expect(ids.length).toBeGreaterThan(0);
    for (const from of [ids.at(-1), '99999999999999-0']) {
      const resumed = await feed(from);
      expect(resumed.status, `resume after ${from}`).toBe(200);
      expect(resumed.text, `resume after ${from}`).toContain('event: end');
      expect(resumed.text).not.toContain('event: output');
    }
  });

  it('run with a traceparent, list with a filter page by page, get, children, rerun, cancel', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const run = await call(
      'POST',
      '/executions',
      keys.operator,
      { action: 'core.echo', parameters: { message: 'from the API' } },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(run.status).toBe(201);
    expect(run.body.trace).toBe(traceId);
    const done = await eventually('the run succeeded', async () => {
      const e = await call('GET', `/executions/${run.body.id}`, keys.viewer);
      return e.body.status === 'succeeded' ? e.body : null;
    });
    expect(done.result.stdout).toContain('from the API');
    for (let i = 0; i < 4; i++) expect((await call('POST', `/executions/${run.body.id}/rerun`, keys.operator)).status).toBe(201);
    const seen: number[] = [];
    let next: number | null = null;
    let pages = 0;
    do {
      const page = await call('GET', `/executions?action=core.echo&limit=2${next ? `&before=${next}` : ''}`, keys.viewer);
      seen.push(...(page.body.items as Json[]).map((e) => e.id as number));
      next = page.body.next;
      pages++;
    } while (next);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect((await call('GET', `/executions/${run.body.id}/children`, keys.viewer)).body.items).toEqual([]);
    const slow = await call('POST', '/executions', keys.operator, { action: 'core.local', parameters: { cmd: 'sleep 30' } });
    await eventually('the slow run is running', async () => (await attune.executions.get(slow.body.id))?.status === 'running');
    expect((await call('POST', `/executions/${slow.body.id}/cancel`, keys.operator)).status).toBe(200);
    await eventually('canceled', async () => (await attune.executions.get(slow.body.id))?.status === 'canceled');
  });

  it('list paging: `next` only when more rows exist, and it returns the rest', async () => {
    const trace = `paging-${Date.now()}`;
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.unshift((await attune.run('core.noop', {}, { trace })).id);
    const exact = await call('GET', `/executions?trace=${trace}&limit=4`, keys.viewer);
    expect(exact.body.items.map((e: Json) => e.id)).toEqual(ids);
    expect(exact.body.next).toBeNull();
    const first = await call('GET', `/executions?trace=${trace}&limit=3`, keys.viewer);
    expect(first.body.items.map((e: Json) => e.id)).toEqual(ids.slice(0, 3));
    expect(first.body.next).toBe(ids[2]);
    const rest = await call('GET', `/executions?trace=${trace}&limit=3&before=${first.body.next}`, keys.viewer);
    expect(rest.body.items.map((e: Json) => e.id)).toEqual(ids.slice(3));
    expect(rest.body.next).toBeNull();
  });

  it('rules: disable and enable as operator, dry-run as viewer, create and delete as admin', async () => {
    expect((await call('POST', '/rules/core.hello_world_timer/enable', keys.operator)).body.enabled).toBe(true);
    expect((await call('POST', '/rules/core.hello_world_timer/disable', keys.operator)).body.enabled).toBe(false);
    const dry = await call('POST', '/rules/dry-run', keys.viewer, { rule: 'core.hello_world_timer' });
    expect(dry.status).toBe(200);
    const rule = {
      name: 'api_made',
      pack: 'core',
      enabled: false,
      trigger: { type: 'core.intervaltimer', parameters: { unit: 'seconds', delta: 60 } },
      action: { ref: 'core.noop' },
    };
    expect((await call('POST', '/rules', keys.admin, rule)).status).toBe(201);
    expect((await call('GET', '/rules?pack=core&enabled=false', keys.viewer)).body.items.map((r: Json) => r.ref)).toContain('core.api_made');
    expect((await call('DELETE', '/rules/core.api_made', keys.admin)).status).toBe(200);
    expect((await call('GET', '/rules/core.api_made', keys.viewer)).status).toBe(404);
  });

  it('keys: an admin creates one over the API, a revoked one gets 401', async () => {
    const made = await call('POST', '/apikeys', keys.admin, { role: 'viewer', name: 'temp' });
    expect(made.status).toBe(201);
    expect((await call('GET', '/workers', made.body.key)).status).toBe(200);
    const stored = await probe(attune).sql<Json[]>`select hash from api_key where id = ${made.body.id}`;
    expect(stored[0]?.hash).not.toContain(made.body.key);
    expect((await call('DELETE', `/apikeys/${made.body.id}`, keys.admin)).status).toBe(200);
    expect((await call('GET', '/workers', made.body.key)).status).toBe(401);
  });

  it('workers, streams, actions, packs and dead letters read with a viewer key', async () => {
    for (const p of ['/workers', '/streams', '/actions?pack=core', '/packs', '/dead-letters']) {
      const res = await call('GET', p, keys.viewer);
      expect(res.status, p).toBe(200);
      expect(Array.isArray(res.body.items), p).toBe(true);
    }
    expect((await call('GET', '/actions/core.echo', keys.viewer)).body.runtime).toBe('shell');
  });
});
