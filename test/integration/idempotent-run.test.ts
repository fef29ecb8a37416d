// A manual run with an idempotency key (library, API, through the pipeline): a retry creates
// nothing and answers with the execution the first request created; racing retries create one;
// the same key for another request is refused; a first request that stored its row but lost its
// message is announced again by the retry, so the execution still runs, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRequested } from '../../src/db/execution-store.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, runCli, testAttune } from '../helpers.ts';

let attune: Attune;
let server: HttpServer;
let operatorKey = '';

const rowsWithKey = async (key: string) => probe(attune).sql<{ id: number; status: string }[]>`select id, status from execution where idempotency_key = ${key}`;

beforeAll(async () => {
  attune = await testAttune('idemrun');
  await attune.packs.load(corePackDir);
  await attune.rules.disable('core.hello_world_timer');
  await attune.start({ actors: ['scheduler', 'worker', 'manager'] });
  server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: null });
  operatorKey = (await attune.apiKeys.create('operator', 'idempotency test')).key;
});
afterAll(async () => {
  await server?.stop();
  await disposeAttune(attune);
});

describe('run with an idempotency key', () => {
  it('a retry answers with the first execution and creates nothing; the execution runs once', async () => {
    const first = await attune.run('core.echo', { message: 'once' }, { idempotencyKey: 'order-1' });
    const again = await attune.run('core.echo', { message: 'once' }, { idempotencyKey: 'order-1', wait: true });
    expect(again.id).toBe(first.id);
    expect(again.status).toBe('succeeded');
    expect(again.idempotency_key).toBe('order-1');
    expect(await rowsWithKey('order-1')).toEqual([{ id: first.id, status: 'succeeded' }]);
    const other = await attune.run('core.echo', { message: 'once' }, { idempotencyKey: 'order-2' });
    expect(other.id).not.toBe(first.id);
  });

  it('racing requests with one key create one execution', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => attune.run('core.echo', { message: 'race' }, { idempotencyKey: 'race-1' })));
    expect(new Set(all.map((e) => e.id)).size).toBe(1);
    expect(await rowsWithKey('race-1')).toHaveLength(1);
  });

  it('the same key for another action or other parameters is refused, naming the key and the execution', async () => {
    const first = await attune.run('core.echo', { message: 'a' }, { idempotencyKey: 'k-conflict' });
    const refusal = new RegExp(`idempotency key "k-conflict" was already used by execution ${first.id} \\(core\\.echo\\) with other parameters`);
    await expect(attune.run('core.echo', { message: 'b' }, { idempotencyKey: 'k-conflict' })).rejects.toThrow(refusal);
    await expect(attune.run('core.noop', {}, { idempotencyKey: 'k-conflict' })).rejects.toThrow(refusal);
    expect(await rowsWithKey('k-conflict')).toHaveLength(1);
  });

  it('a bad key is refused before anything is stored', async () => {
    await expect(attune.run('core.echo', { message: 'x' }, { idempotencyKey: '' })).rejects.toThrow(
      /idempotencyKey must be a string of 1 to 255 characters, got ""/,
    );
    await expect(attune.run('core.echo', { message: 'x' }, { idempotencyKey: 'k'.repeat(256) })).rejects.toThrow(/1 to 255 characters/);
  });

  it('a first request that stored its row but lost its message: the retry announces it again, and it runs once', async () => {
    // What a request that died between its insert and its publish leaves behind.
    const { row } = await insertRequested(probe(attune).sql, {
      actionRef: 'core.echo',
      parameters: { message: 'lost' },
      secrets: null,
      timeoutMs: null,
      trace: 'lost-message',
      attempt: 1,
      retryOf: null,
      idempotencyKey: 'lost-1',
    });
    const retried = await attune.run('core.echo', { message: 'lost' }, { idempotencyKey: 'lost-1' });
    expect(retried.id).toBe(row.id);
    await eventually('the execution ran', async () => (await attune.executions.get(row.id))?.status === 'succeeded', 15_000);
    expect(await rowsWithKey('lost-1')).toEqual([{ id: row.id, status: 'succeeded' }]);
  });

  it('attune run --idempotency-key: a second run with the key prints the same execution', async () => {
    const a = await runCli(attune, 'run core.echo message=cli --idempotency-key cli-1 --json');
    const b = await runCli(attune, 'run core.echo message=cli --idempotency-key cli-1 --json');
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect((JSON.parse(b.stdout) as { id: number }).id).toBe((JSON.parse(a.stdout) as { id: number }).id);
    expect(await rowsWithKey('cli-1')).toHaveLength(1);
  });

  it('the API takes the key from the Idempotency-Key header (or the body) and answers a retry with the same execution', async () => {
    const post = async (body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}/api/v1/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id?: number; error?: string } };
    };
    const a = await post({ action: 'core.echo', parameters: { message: 'api' } }, { 'idempotency-key': 'api-1' });
    const b = await post({ action: 'core.echo', parameters: { message: 'api' } }, { 'idempotency-key': 'api-1' });
    const c = await post({ action: 'core.echo', parameters: { message: 'api' }, idempotencyKey: 'api-1' });
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(b.body.id).toBe(a.body.id);
    expect(c.body.id).toBe(a.body.id);
    const d = await post({ action: 'core.echo', parameters: { message: 'other' } }, { 'idempotency-key': 'api-1' });
    expect(d.status).toBe(400);
    expect(d.body.error).toMatch(/idempotency key "api-1" was already used/);
    expect(await rowsWithKey('api-1')).toHaveLength(1);
  });
});
