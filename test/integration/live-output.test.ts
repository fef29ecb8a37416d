/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument -- JSON replies are read loosely; each field read is asserted. */
/**
 * Live output: the lines of `for i in 1 2 3; do echo $i; sleep 1; done` reach a reader about a
 * second apart while the execution runs (library `watch`, SSE), the output stream expires after
 * the end, and the SSE status feed carries every change of an execution.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const CMD = 'for i in 1 2 3; do echo $i; sleep 1; done';

/** Reads SSE frames from a streaming fetch until `stop` says so. */
async function readSse(url: string, key: string, onEvent: (event: string, data: any) => boolean): Promise<void> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data && onEvent(event, JSON.parse(data))) {
        abort.abort();
        return;
      }
    }
  }
}

describe('live output', () => {
  let attune: Attune;
  let server: HttpServer;
  let key: string;

  beforeAll(async () => {
    attune = await testAttune('liveout');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.start({ actors: ['scheduler', 'worker', 'manager'] });
    server = await startHttpServer(attune, { port: 0, host: '127.0.0.1', webDir: null });
    key = (await attune.apiKeys.create('viewer')).key;
  });
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  it('an action that prints nothing leaves no output stream, and watch() of it ends on its final status', async () => {
    const e = await attune.run('core.noop', {});
    await eventually('the no-op succeeded', async () => (await attune.executions.get(e.id))?.status === 'succeeded');
    expect(await probe(attune).redis.exists(probe(attune).keys.executionLiveOutput(e.id))).toBe(0);
    const lines: unknown[] = [];
    for await (const line of attune.executions.watch(e.id, { blockMs: 100 })) lines.push(line);
    expect(lines).toEqual([]);
  });

  it('watch(): lines arrive about a second apart, before the execution ends; the stream then expires', async () => {
    const e = await attune.run('core.local', { cmd: CMD });
    const got: { data: string; at: number; status: string | undefined }[] = [];
    for await (const line of attune.executions.watch(e.id)) {
      got.push({ data: line.data, at: Date.now(), status: (await attune.executions.get(e.id))?.status });
    }
    expect(got.map((g) => g.data).join('')).toBe('1\n2\n3\n');
    expect(got).toHaveLength(3);
    // each line came while the action still ran
    for (const g of got) expect(['scheduled', 'running']).toContain(g.status);
    const gaps = got.slice(1).map((g, i) => g.at - got[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(600);
    const done = await attune.executions.wait(e.id);
    expect(done.status).toBe('succeeded');
    const ttl = await probe(attune).redis.ttl(probe(attune).keys.executionLiveOutput(e.id));
    expect(ttl).toBeGreaterThan(0);
  });

  it('SSE: /executions/:id/output streams the lines, /events/executions the status changes', async () => {
    const statuses: string[] = [];
    let id = 0;
    const feed = readSse(`${server.url}/api/v1/events/executions`, key, (event, data) => {
      if (event === 'change' && data.id === id) statuses.push(data.status);
      return statuses.includes('succeeded');
    });
    await new Promise((r) => setTimeout(r, 300)); // let the feed's LISTEN start (it is not a timing assertion)
    id = (await attune.run('core.local', { cmd: CMD })).id;
    const lines: { data: string; at: number }[] = [];
    await readSse(`${server.url}/api/v1/executions/${id}/output`, key, (event, data) => {
      if (event === 'output') lines.push({ data: data.data, at: Date.now() });
      return event === 'end';
    });
    expect(lines.map((l) => l.data).join('')).toBe('1\n2\n3\n');
    expect(lines[2]!.at - lines[0]!.at).toBeGreaterThan(1200);
    await eventually('the feed saw the end', async () => statuses.includes('succeeded'), 20_000);
    await feed;
    expect(statuses).toEqual(expect.arrayContaining(['scheduled', 'running', 'succeeded']));
  });

  it('/metrics: executions by action and status, duration and queue-wait histograms, streams, live workers', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/attune_executions\{action="core\.local",status="succeeded"\} 2/);
    expect(text).toMatch(/attune_execution_duration_seconds_count\{action="core\.local",status="succeeded"\} [12]/);
    expect(text).toMatch(/attune_execution_queue_wait_seconds_count\{action="core\.local"\} [12]/);
    expect(text).toMatch(/attune_stream_group_pending\{stream="execution\.status",group="manager"\} \d+/);
    expect(text).toMatch(/attune_workers_live 1/);
    expect(text).toMatch(/attune_dead_letters 0/);
  });
});
