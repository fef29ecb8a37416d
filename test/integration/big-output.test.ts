/**
 * Big outputs end `succeeded` and are kept whole (or cut with the cut marked), without a status
 * report anywhere near `maxPayloadBytes`: a 5 MB printing action, `core.http` returning 3 MB of
 * JSON and an in-process handler returning a 3 MB object; `attune execution get --json` shows them.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { INLINE_MAX_BYTES } from '../../src/streams/status-output.ts';
import { corePackDir, disposeAttune, probe, testAttune } from '../helpers.ts';

const rtPack = fileURLToPath(new URL('../fixtures/rt-pack', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const LIMIT = 8 * 1024 * 1024;
const big = (bytes: number) => ({ items: Array.from({ length: bytes / 1000 }, (_, i) => ({ i, text: 'x'.repeat(990) })) });

describe('big outputs', () => {
  let attune: Attune;
  let server: Server;
  let url: string;
  let handlerResult: unknown = null;
  beforeAll(async () => {
    // A long trim period: the status entries stay on the stream to be measured.
    attune = await testAttune('bigoutput', { worker: { outputLimitBytes: LIMIT }, streams: { trimEveryMs: 600_000 } });
    await attune.packs.load(corePackDir);
    await attune.packs.load(rtPack);
    await attune.rules.disable('core.hello_world_timer');
    attune.actions.handle('rt.node_params', async () => handlerResult);
    const body = JSON.stringify(big(3_000_000));
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big`;
    await attune.start({ actors: ['scheduler', 'worker', 'manager'] });
  });
  afterAll(async () => {
    server.close();
    await disposeAttune(attune);
  });

  const cliGet = async (id: number) => {
    const { namespace, schema } = attune.config;
    const env = { ...process.env, ATTUNE_NAMESPACE: namespace, ATTUNE_DB_SCHEMA: schema, ATTUNE_LOG_LEVEL: 'warn' };
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'execution', 'get', String(id), '--json'], { env, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as { status: string; stdout: string; result: Record<string, unknown> };
  };

  it('an action printing 5 MB succeeds, its stdout whole in Postgres and in `attune execution get --json`', async () => {
    const row = await attune.run('core.local', { cmd: "head -c 5000000 /dev/zero | tr '\\0' a" }, { wait: true, waitTimeoutMs: 120_000 });
    expect(row.status).toBe('succeeded');
    const shown = await cliGet(row.id);
    expect(shown.status).toBe('succeeded');
    expect(shown.stdout).toBe('a'.repeat(5_000_000));
    expect(shown.result.stdout).toBe(shown.stdout);
    expect(shown.result.exit_code).toBe(0);
  });

  it('core.http returning 3 MB of JSON succeeds with the whole body', async () => {
    const row = await attune.run('core.http', { url }, { wait: true, waitTimeoutMs: 120_000 });
    expect(row.status).toBe('succeeded');
    const result = row.result as { status: number; body: string; json: unknown };
    expect(result.status).toBe(200);
    expect(result.json).toEqual(big(3_000_000));
  });

  it('an in-process handler returning a 3 MB object succeeds with it; one over outputLimitBytes is cut, the cut marked', async () => {
    handlerResult = big(3_000_000);
    const whole = await attune.run('rt.node_params', {}, { wait: true, waitTimeoutMs: 120_000 });
    expect(whole.status).toBe('succeeded');
    expect(whole.result).toEqual(big(3_000_000));
    handlerResult = big(9_000_000);
    const cut = await attune.run('rt.node_params', {}, { wait: true, waitTimeoutMs: 120_000 });
    expect(cut.status).toBe('succeeded');
    const r = cut.result as { truncated: boolean; bytes: number; preview: string };
    expect(r.truncated).toBe(true);
    expect(r.bytes).toBeGreaterThan(LIMIT);
    expect(r.preview).toMatch(/…\[truncated: \d+ more bytes\]$/);
    expect(Buffer.byteLength(r.preview)).toBeLessThan(LIMIT + 100);
  });

  it('no dead letter, no stored output left behind, and no status report over the inline size', async () => {
    const { redis, catalog, keys } = probe(attune);
    expect(await redis.xlen(catalog.dead.key)).toBe(0);
    const entries = (await redis.xrange(catalog.executionStatus.key, '-', '+')) as [string, string[]][];
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const largest = Math.max(...entries.map(([, f]) => Buffer.byteLength(f[f.indexOf('payload') + 1] ?? '')));
    expect(largest).toBeLessThan(INLINE_MAX_BYTES);
    const rows = await attune.executions.list();
    for (const row of rows) expect(await redis.exists(keys.executionOutput(row.id))).toBe(0);
  });
});
