/**
 * A PostgreSQL that accepts connections and closes them during the handshake (one shutting down,
 * a proxy in front of one that is gone) makes postgres.js reconnect without end: its query never
 * settles (porsager/postgres#1193). Start-up must fail with a clear error instead of hanging: the
 * services probe and the start steps that read Postgres have a deadline (`startTimeoutMs`). A real
 * TCP proxy in front of the real Postgres plays the server, switched between passing and closing.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createAttune, type Attune } from '../../src/index.ts';
import { databaseUrl, disposeAttune, redisUrl, testAttune } from '../helpers.ts';

/** A proxy to the real Postgres; `closing` makes it end every new connection at once (and drops the open ones). */
function pgProxy(): Promise<{ url: string; setClosing(on: boolean): void; close(): void; accepted: () => number }> {
  const target = new URL(databaseUrl);
  const open = new Set<net.Socket>();
  let closing = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    if (closing) return void client.end();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => (open.delete(s), client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const url = new URL(databaseUrl);
      url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      resolve({
        url: url.toString(),
        setClosing(on) {
          closing = on;
          if (on) for (const s of open) s.destroy();
        },
        close() {
          for (const s of open) s.destroy();
          server.close();
        },
        accepted: () => accepted,
      });
    }),
  );
}

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('start-up against a Postgres that closes every connection', () => {
  it('createAttune fails with ServiceUnavailableError naming PostgreSQL, within startTimeoutMs', async () => {
    const proxy = await pgProxy();
    cleanup.push(() => proxy.close());
    proxy.setClosing(true);
    const started = Date.now();
    const failed = await createAttune({ redis: redisUrl, database: proxy.url, startTimeoutMs: 1500, logLevel: 'silent' }).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(failed?.name).toBe('ServiceUnavailableError');
    expect(failed?.message).toMatch(/PostgreSQL at .*did not answer within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(15_000); // not a timing assertion: it used to never return
    expect(proxy.accepted()).toBeGreaterThan(1); // postgres.js kept reconnecting
  });

  it('start() fails the same way when Postgres starts closing after createAttune, and works once it is back', async () => {
    const proxy = await pgProxy();
    cleanup.push(() => proxy.close());
    const attune: Attune = await testAttune('startdeadline', { database: proxy.url, startTimeoutMs: 1500 });
    cleanup.push(() => disposeAttune(attune));
    proxy.setClosing(true);
    // The pool's open connection may be cut before postgres.js noticed: that start fails at once on the
    // dead socket (a ServiceUnavailableError too); the next one reconnects into the closing server.
    const failures: Error[] = [];
    while (failures.length < 3 && !failures.some((f) => / did not answer /.test(f.message))) {
      failures.push(
        await attune.start({ actors: ['manager'] }).then(
          () => new Error('started'),
          (err: unknown) => err as Error,
        ),
      );
    }
    expect(failures.map((f) => f.name)).toEqual(failures.map(() => 'ServiceUnavailableError'));
    expect(failures.at(-1)?.message).toBe('PostgreSQL (checking migrations at start) did not answer within 1500 ms');
    for (const early of failures.slice(0, -1)) expect(early.message).toMatch(/^PostgreSQL \(checking migrations at start\) failed: /);
    proxy.setClosing(false);
    const actors = await attune.start({ actors: ['manager'] });
    expect(actors.map((a) => a.name)).toEqual(['manager']);
  });
});
