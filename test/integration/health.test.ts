// Readiness (`attune.health()`, `/readyz`) against the real services: 200 while Redis and Postgres
// answer and the actors consume; 503 naming PostgreSQL, within the check's deadline, when Postgres
// behind a proxy starts closing every connection (postgres.js would wait for ever); 200 again after.
// `/healthz` (liveness) answers throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import type { Attune, Health } from '../../src/index.ts';
import { pgProxy } from '../fixtures/pg-proxy.ts';
import { disposeAttune, eventually, testAttune } from '../helpers.ts';

let attune: Attune;
let server: HttpServer;
let proxy: Awaited<ReturnType<typeof pgProxy>>;
let viewerKey = '';

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as Health & { ok: boolean } };
};

beforeAll(async () => {
  proxy = await pgProxy();
  attune = await testAttune('health', { database: proxy.url });
  await attune.start({ actors: ['scheduler', 'manager'] });
  server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: null });
  viewerKey = (await attune.apiKeys.create('viewer', 'health test')).key;
});
afterAll(async () => {
  proxy.setClosing(false);
  await server?.stop();
  await disposeAttune(attune);
  proxy.close();
});

describe('readiness', () => {
  it('is 200 with each part while everything answers', async () => {
    const ready = await eventually('ready', async () => ((await get('/readyz')).status === 200 ? get('/readyz') : null));
    expect(ready.body).toMatchObject({ ok: true, redis: { ok: true }, postgres: { ok: true } });
    expect(ready.body.actors.map((a) => a.name).sort()).toEqual(['manager', 'scheduler']);
    expect(ready.body.actors.every((a) => a.ok)).toBe(true);
  });

  it('is 503 naming PostgreSQL when it stops answering, liveness stays 200, and it recovers', async () => {
    proxy.setClosing(true);
    const down = await eventually('not ready', async () => {
      const r = await get('/readyz');
      return r.status === 503 ? r : null;
    });
    expect(down.body.ok).toBe(false);
    expect(down.body.redis.ok).toBe(true);
    expect(down.body.postgres?.ok).toBe(false);
    expect(down.body.postgres?.error).toMatch(/^PostgreSQL \(select 1\) (did not answer within 2000 ms|failed: )/);
    expect((await get('/healthz')).status).toBe(200);
    proxy.setClosing(false);
    await eventually('ready again', async () => (await get('/readyz')).status === 200, 30_000);
  });

  it('names an actor that is not consuming', async () => {
    const health = await attune.health();
    const stopped = await attune.start({ actors: ['enforcer'] });
    await stopped[0]?.stop(); // its consumer ends while the instance still runs
    const after = await attune.health();
    expect(health.actors).toHaveLength(2);
    const enforcer = after.actors.find((a) => a.name === 'enforcer');
    expect(enforcer).toMatchObject({ state: 'stopped', ok: false });
    expect(after.ok).toBe(false);
  });

  it('an API request while Postgres refuses connections is a 503 with Retry-After, not a 400 or a 500 (last: it closes the proxy)', async () => {
    proxy.close(); // connections refused from now on (ECONNREFUSED), open ones cut
    const res = await eventually('a 503', async () => {
      const r = await fetch(`${server.url}/api/v1/executions`, { headers: { authorization: `Bearer ${viewerKey}` } });
      return r.status === 503 ? r : null;
    });
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: string }).error).toMatch(/^service unavailable, retry later: /);
  });
});
