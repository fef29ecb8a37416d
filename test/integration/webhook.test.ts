/** core.webhook over HTTP: token and HMAC auth, 202 → event → execution; 401/400/404/413 create nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { hmacSignature } from '../../src/triggers/webhook-params.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const TOKEN = 'tok-0123456789abcdef';
const SECRET = 'sec-0123456789abcdef';

describe('webhooks', () => {
  let attune: Attune;
  let base: string;
  let server: HttpServer | undefined;
  const events = async () => (await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from event`)[0]?.n ?? 0;
  const post = (name: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/webhooks/${name}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    attune = await testAttune('webhook', { webhook: { port: 0, host: '127.0.0.1', bodyLimitBytes: 2048 } });
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.rules.create({
      name: 'deploy_hook',
      pack: 'core',
      trigger: { type: 'core.webhook', parameters: { name: 'deploy', token: TOKEN } },
      criteria: { 'payload.body.service': { type: 'equals', pattern: 'api' } },
      action: { ref: 'core.echo', parameters: { message: 'deploy {{ event.payload.body.service }} {{ event.payload.body.version }}' } },
    });
    await attune.rules.create({
      name: 'signed_hook',
      pack: 'core',
      trigger: { type: 'core.webhook', parameters: { name: 'signed', secret: SECRET } },
      action: { ref: 'core.noop' },
    });
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
    server = await startHttpServer(attune, { webDir: null });
    base = server.url;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  it('a good token: 202 with the event id, the event stored with body and headers, the execution succeeds', async () => {
    const res = await post('deploy', JSON.stringify({ service: 'api', version: '1.2.3' }), { 'x-attune-token': TOKEN, 'x-request-id': 'r-1' });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    const exec = await eventually('the execution of the webhook event succeeded', async () => {
      const [row] = await probe(attune).sql<{ status: string; result: { stdout?: string } }[]>`
        select x.status, x.result from execution x join enforcement e on e.id = x.enforcement_id where e.event_id = ${eventId}`;
      return row?.status === 'succeeded' ? row : null;
    });
    expect(exec.result.stdout).toContain('deploy api 1.2.3');
    const [event] = await probe(attune).sql<{ payload: { body: unknown; headers: Record<string, string> } }[]>`select payload from event where id = ${eventId}`;
    expect(event?.payload.body).toEqual({ service: 'api', version: '1.2.3' });
    expect(event?.payload.headers['x-request-id']).toBe('r-1');
    expect(event?.payload.headers).not.toHaveProperty('x-attune-token');
  });

  it('Authorization: Bearer works as well', async () => {
    const res = await post('deploy', '{"service":"web"}', { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(202);
  });

  it('a bad or missing token gets 401 and creates nothing', async () => {
    await eventually('earlier events stored', async () => (await events()) >= 2);
    const before = await events();
    const bad = await post('deploy', '{"service":"api"}', { 'x-attune-token': 'wrong-token-0123456789' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toMatch(/invalid credentials/);
    expect((await post('deploy', '{"service":"api"}')).status).toBe(401);
    // a signed request that passes proves the pipeline is live; then nothing more than it arrived
    const ok = await post('signed', '{}', { 'x-hub-signature-256': hmacSignature(SECRET, '{}') });
    expect(ok.status).toBe(202);
    const { eventId } = (await ok.json()) as { eventId: string };
    await eventually('the signed event stored', async () => (await probe(attune).sql`select 1 from event where id = ${eventId}`).length === 1);
    expect(await events()).toBe(before + 1);
  });

  // Every credential form, right and wrong: each wrong one is refused with 401 and stores nothing.
  const sameLength = (good: string) => good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
  const refused: [string, string, string, Record<string, string>][] = [
    ['no credentials', 'deploy', '{"service":"api"}', {}],
    ['X-Attune-Token of the same length, one character off', 'deploy', '{"service":"api"}', { 'x-attune-token': sameLength(TOKEN) }],
    ['X-Attune-Token, a prefix of the right one', 'deploy', '{"service":"api"}', { 'x-attune-token': TOKEN.slice(0, -1) }],
    ['Authorization: Bearer of the same length, one character off', 'deploy', '{"service":"api"}', { authorization: `Bearer ${sameLength(TOKEN)}` }],
    ['Authorization with the right token but no Bearer scheme', 'deploy', '{"service":"api"}', { authorization: TOKEN }],
    ['Authorization: Basic with the right token', 'deploy', '{"service":"api"}', { authorization: `Basic ${TOKEN}` }],
    ['the token as an HMAC signature', 'deploy', '{"service":"api"}', { 'x-hub-signature-256': hmacSignature(TOKEN, '{"service":"api"}') }],
    ['HMAC of the right format with another key', 'signed', '{"a":1}', { 'x-hub-signature-256': hmacSignature(sameLength(SECRET), '{"a":1}') }],
    ['HMAC of the right body and key, one hex digit off', 'signed', '{"a":1}', { 'x-hub-signature-256': sameLength(hmacSignature(SECRET, '{"a":1}')) }],
    ['HMAC without the sha256= prefix', 'signed', '{"a":1}', { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":1}').slice('sha256='.length) }],
    ['the secret as a token', 'signed', '{"a":1}', { 'x-attune-token': SECRET }],
    ['no signature', 'signed', '{"a":1}', {}],
  ];
  /** Entries on event.created: the webhook publishes before it answers 202, so this is exact at once. */
  const published = () => probe(attune).redis.xlen(probe(attune).catalog.eventCreated.key);
  it.each(refused)('401 for %s', async (_what, name, body, headers) => {
    const before = await published();
    const res = await post(name, body, headers);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/missing or invalid credentials/);
    expect(await published()).toBe(before);
  });

  const accepted: [string, string, string, Record<string, string>][] = [
    ['X-Attune-Token', 'deploy', '{"service":"x"}', { 'x-attune-token': TOKEN }],
    ['Authorization: Bearer', 'deploy', '{"service":"x"}', { authorization: `Bearer ${TOKEN}` }],
    ['authorization: bearer (scheme in any case)', 'deploy', '{"service":"x"}', { authorization: `bearer ${TOKEN}` }],
    ['X-Hub-Signature-256', 'signed', '{"a":1}', { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":1}') }],
    ['X-Hub-Signature-256 in upper-case hex', 'signed', '{"a":1}', { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":1}').toUpperCase() }],
  ];
  it.each(accepted)('202 for %s, and exactly one event stored', async (_what, name, body, headers) => {
    const before = await published();
    const res = await post(name, body, headers);
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    expect(await published()).toBe(before + 1);
    await eventually('the event stored', async () => (await probe(attune).sql`select 1 from event where id = ${eventId}`).length === 1);
  });

  it('HMAC: a signature of another body is refused', async () => {
    const res = await post('signed', '{"a":1}', { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":2}') });
    expect(res.status).toBe(401);
  });

  it('400 on invalid JSON, 404 on an unknown webhook, 413 over the size limit', async () => {
    const invalid = await post('deploy', '{"service":', { 'x-attune-token': TOKEN });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toMatch(/not valid JSON/);
    const unknown = await post('nope', '{}', { 'x-attune-token': TOKEN });
    expect(unknown.status).toBe(404);
    const big = await post('deploy', JSON.stringify({ service: 'x'.repeat(4096) }), { 'x-attune-token': TOKEN });
    expect(big.status).toBe(413);
  });

  it('refuses a webhook rule without credentials when it is saved', async () => {
    await expect(
      attune.rules.create({ name: 'open_hook', pack: 'core', trigger: { type: 'core.webhook', parameters: { name: 'open' } }, action: { ref: 'core.noop' } }),
    ).rejects.toThrow(/rule "core\.open_hook" is invalid: trigger parameters: .*needs `token` or `secret`/);
  });
});
