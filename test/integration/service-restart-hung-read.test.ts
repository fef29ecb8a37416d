/**
 * A blocking read that hangs (the connection stays open, no reply ever comes: a half-dead TCP link
 * after a network blip) is detected by the consumer's watchdog, which reconnects and reads again.
 * A TCP proxy in front of Redis black-holes the enforcer's blocking connection on demand.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, redisUrl, testAttune } from '../helpers.ts';
import { allFinished, crashPackDir, runs, tempFile } from '../fixtures/crash-harness.ts';

interface Link {
  client: Socket;
  tag: string;
  frozen: boolean;
}
const links: Link[] = [];
let proxy: Server;
let attune: Attune;

beforeAll(async () => {
  const target = new URL(redisUrl);
  proxy = createServer((client) => {
    const link: Link = { client, tag: '', frozen: false };
    links.push(link);
    const server = connect(Number(target.port || 6379), target.hostname);
    client.on('data', (c: Buffer) => {
      if (!link.tag) link.tag = /attune:enforcer:/.test(c.toString()) ? 'enforcer-blocking' : 'other';
      if (!link.frozen) server.write(c);
    });
    server.on('data', (c: Buffer) => {
      if (!link.frozen) client.write(c);
    });
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const port = (proxy.address() as { port: number }).port;
  attune = await testAttune('hungread', { redis: `redis://127.0.0.1:${port}`, consumer: { blockMs: 300 } });
  await attune.packs.load(crashPackDir);
  await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
});
afterAll(async () => {
  await disposeAttune(attune);
  for (const l of links) l.client.destroy();
  await new Promise((r) => proxy.close(r));
});

describe('hung blocking read', () => {
  it('is detected by the watchdog and restarted; the event behind it is handled', async () => {
    const file = await tempFile('hung');
    await attune.emit('crashtest.go', { file });
    await allFinished(attune, 1);

    const blocking = links.filter((l) => l.tag === 'enforcer-blocking' && !l.client.destroyed);
    expect(blocking.length).toBeGreaterThan(0);
    for (const l of blocking) l.frozen = true; // open, silent: the read never returns
    await attune.emit('crashtest.go', { file });

    const c = await allFinished(attune, 2, 40_000); // watchdog: blockMs + 10 s
    expect(c.byStatus).toEqual({ succeeded: 2 });
    expect(await runs(file)).toHaveLength(2);
    await eventually('a fresh enforcer blocking connection', () => links.some((l) => l.tag === 'enforcer-blocking' && !l.frozen && !l.client.destroyed));
    expect(blocking.every((l) => l.client.destroyed)).toBe(true); // the hung one was dropped
  });
});
