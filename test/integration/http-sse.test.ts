/**
 * SSE back-pressure: subscribers of the status feed that stop reading while executions change
 * status (real Postgres NOTIFY) are dropped once `webhook.sseBufferBytes` waits unread; what the
 * server holds for them never passes that; one that reads again gets what was buffered and a last
 * `overflow` event; one that never reads is cut off after the grace. A subscriber that reads gets
 * every change. `/metrics` counts the drops.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { OVERFLOW_GRACE_MS } from '../../src/http/sse.ts';
import { corePackDir, disposeAttune, eventually, testAttune } from '../helpers.ts';

const LIMIT = 262_144;
/** A frame is ~6 KB (the trace is long), so a few hundred changes fill the loopback socket buffers (several MB) and then the server's. */
const TRACE_PAD = 6_000;
const MAX_ROUNDS = 3_000;

interface Frame {
  event: string;
  data: string;
}
const frames = (text: string): Frame[] =>
  text
    .split('\n\n')
    .filter((f) => f.includes('event: '))
    .map((f) => ({ event: /^event: (.*)$/m.exec(f)?.[1] ?? '', data: /^data: (.*)$/m.exec(f)?.[1] ?? '' }));
const changeKey = (data: string) => {
  const c = JSON.parse(data) as { id: number; status: string };
  return `${c.id}:${c.status}`;
};

/** The body of a chunked HTTP/1.1 response read off a raw socket. */
function dechunk(raw: Buffer): string {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(raw.subarray(at, eol).toString(), 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString();
}

describe('SSE back-pressure', () => {
  let attune: Attune;
  let server: HttpServer;
  let key = '';
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    attune = await testAttune('httpsse', { webhook: { port: 0, host: '127.0.0.1', sseBufferBytes: LIMIT } });
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    server = await startHttpServer(attune, { webDir: null });
    key = (await attune.apiKeys.create('viewer', 'sse test')).key;
  });
  afterAll(async () => {
    await server?.stop();
    await disposeAttune(attune);
  });

  it('slow subscribers are dropped with a bounded buffer and an overflow event; a reading one gets every change', async () => {
    const truth: string[] = [];
    const unlisten = await attune.executions.changes((c) => truth.push(`${c.id}:${c.status}`));

    // A subscriber that reads as fast as it can.
    const fast = await fetch(`${server.url}/api/v1/events/executions?key=${key}`);
    expect(fast.status).toBe(200);
    let fastText = '';
    const reader = fast.body!.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) fastText += r.value;
    })().catch(() => undefined);

    // Two that stop reading: `resumer` reads again after its drop, `stuck` never does.
    const slow = () => {
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
      socket.write(`GET /api/v1/events/executions?key=${key} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n`);
      socket.pause();
      socket.on('error', () => undefined); // the stuck one is reset when the server cuts it off
      return socket;
    };
    const resumer = slow();
    const stuck = slow();
    await eventually('three subscribers', async () => (await metric('attune_sse_subscribers')) === 3);

    const padding = 'x'.repeat(TRACE_PAD);
    let maxBuffered = 0;
    let rounds = 0;
    for (; rounds < MAX_ROUNDS; rounds++) {
      const e = await attune.run('core.noop', {}, { trace: `sse-${rounds}-${padding}` });
      await attune.executions.cancel(e.id);
      if (rounds % 20 === 19) {
        const dropped = await metric('attune_sse_dropped_total');
        maxBuffered = Math.max(maxBuffered, await metric('attune_sse_buffered_bytes'));
        if (dropped === 2) break;
      }
    }
    expect(rounds, 'both slow subscribers were dropped before the flood ended').toBeLessThan(MAX_ROUNDS);
    // The dropped ones still hold what they did not read (until they read it or the grace ends): each at most
    // the limit, one frame past it and the overflow event; the fast one next to nothing.
    expect(maxBuffered).toBeGreaterThan(LIMIT);
    expect(maxBuffered).toBeLessThanOrEqual(3 * (LIMIT + 2 * (TRACE_PAD + 1_000)));

    // The resumer reads again (within the grace): what was buffered, in order, then `overflow`, then the end.
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => resumer.on('end', resolve));
    resumer.on('data', (b: Buffer) => chunks.push(b));
    resumer.resume();
    await ended;
    const got = frames(dechunk(Buffer.concat(chunks)));
    const last = got.at(-1)!;
    expect(last.event).toBe('overflow');
    expect(JSON.parse(last.data)).toMatchObject({ maxBufferBytes: LIMIT });
    const seen = got.filter((f) => f.event === 'change').map((f) => changeKey(f.data));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(truth.slice(0, seen.length));

    // The stuck one is cut off after the grace: only the fast subscriber is left, and nothing waits unread.
    await eventually('the stuck subscriber is closed', async () => (await metric('attune_sse_subscribers')) === 1, OVERFLOW_GRACE_MS + 10_000);
    expect(await metric('attune_sse_buffered_bytes')).toBeLessThan(LIMIT);
    expect(await metric('attune_sse_dropped_total')).toBe(2);

    // The fast subscriber got every change, in order.
    const fastSeen = () =>
      frames(fastText)
        .filter((f) => f.event === 'change')
        .map((f) => changeKey(f.data));
    await eventually('the fast subscriber has every change', () => fastSeen().length >= truth.length && truth.length === rounds * 2 + 2);
    expect(fastSeen()).toEqual(truth);
    expect(seen.length).toBeLessThan(truth.length);

    stuck.destroy();
    await reader.cancel();
    await unlisten();
  });
});
