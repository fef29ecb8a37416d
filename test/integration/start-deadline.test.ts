/**
 * A PostgreSQL that accepts connections and closes them during the handshake (one shutting down,
 * a proxy in front of one that is gone) makes postgres.js reconnect without end: its query never
 * settles (porsager/postgres#1193). Start-up must fail with a clear error instead of hanging: the
 * services probe and the start steps that read Postgres have a deadline (`startTimeoutMs`). A real
 * TCP proxy in front of the real Postgres plays the server, switched between passing and closing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createAttune, type Attune } from '../../src/index.ts';
import { disposeAttune, redisUrl, testAttune } from '../helpers.ts';
import { pgProxy } from '../fixtures/pg-proxy.ts';

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
