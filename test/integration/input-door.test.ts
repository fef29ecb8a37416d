/**
 * Bad input is refused at the door, before an id is handed out: a NUL character (`\u0000`, which
 * PostgreSQL cannot store) or a payload nested 5,000 deep, through a webhook (400), `emit()` and
 * `attune emit` (the reason); and `emit()` to a trigger that is not stored.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { ValidationError } from '../../src/errors.ts';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, probe, testAttune } from '../helpers.ts';

const TOKEN = 'tok-0123456789abcdef';
const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const deepJson = (n: number) => `{"v":${'['.repeat(n)}${']'.repeat(n)}}`;

describe('bad input refused at the door', () => {
  let attune: Attune;
  let base: string;
  let server: HttpServer | undefined;
  const nothingStored = async () => {
    const [row] = await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from event`;
    expect(row?.n).toBe(0);
    expect(await probe(attune).redis.xlen(probe(attune).catalog.eventCreated.key)).toBe(0);
  };
  beforeAll(async () => {
    attune = await testAttune('inputdoor', { webhook: { port: 0, host: '127.0.0.1', bodyLimitBytes: 1_048_576 } });
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.rules.create({
      name: 'door_hook',
      pack: 'core',
      trigger: { type: 'core.webhook', parameters: { name: 'door', token: TOKEN } },
      action: { ref: 'core.noop' },
    });
    server = await startHttpServer(attune, { webDir: null });
    base = server.url;
  });
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  const post = (body: string) =>
    fetch(`${base}/webhooks/door`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-attune-token': TOKEN } });

  it('a webhook body with \\u0000 or nested 5,000 deep: 400 with the reason, no event id, nothing stored', async () => {
    const nul = await post('{"name":"a\\u0000b"}');
    expect(nul.status).toBe(400);
    const nulBody = (await nul.json()) as { error: string; eventId?: string };
    expect(nulBody.error).toMatch(/payload\.body\.name contains the NUL character/);
    expect(nulBody.eventId).toBeUndefined();
    const nulKey = await post('{"a\\u0000":1}');
    expect(nulKey.status).toBe(400);
    const deep = await post(deepJson(5000));
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { error: string }).error).toMatch(/nested deeper than 64 levels/);
    await nothingStored();
  });

  it('emit(): the same payloads, and a trigger that is not stored, refused with a ValidationError naming the reason', async () => {
    await expect(attune.emit('core.event', { name: 'a\u0000b' })).rejects.toThrow(/payload\.name contains the NUL character/);
    let deep: unknown = {};
    for (let i = 0; i < 5000; i++) deep = { v: deep };
    await expect(attune.emit('core.event', { deep })).rejects.toThrow(ValidationError);
    await expect(attune.emit('core.event', { deep })).rejects.toThrow(/nested deeper than 64 levels/);
    await expect(attune.emit('nosuch.trigger', {})).rejects.toThrow(/trigger "nosuch\.trigger" does not exist/);
    await nothingStored();
    // Within the limits, it goes through.
    await expect(attune.emit('core.event', { deep: JSON.parse(deepJson(60)) as unknown })).resolves.toHaveProperty('eventId');
  });

  it('`attune emit` refuses them too, with the reason on stderr', async () => {
    const { namespace, schema } = attune.config;
    const env = { ...process.env, ATTUNE_NAMESPACE: namespace, ATTUNE_DB_SCHEMA: schema, ATTUNE_LOG_LEVEL: 'warn' };
    const run = (payload: string) =>
      promisify(execFile)(process.execPath, [bin, 'emit', 'core.event', payload], { env }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
    const nul = await run('{"name":"a\\u0000b"}');
    expect(nul.code).not.toBe(0);
    expect(nul.stderr).toMatch(/NUL character/);
    const deep = await run(deepJson(5000));
    expect(deep.code).not.toBe(0);
    expect(deep.stderr).toMatch(/nested deeper than 64 levels/);
  });
});
