/** Garbage written straight into every stream of the pipeline ends in `dead`; valid work still flows. */
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, redisUrl, testAttune } from '../helpers.ts';

const demoPack = fileURLToPath(new URL('../fixtures/packs/demo', import.meta.url));

describe('poison messages on every stream of the pipeline', () => {
  let attune: Attune;
  const raw = new Redis(redisUrl);
  beforeAll(async () => {
    attune = await testAttune('poison');
    await attune.packs.load(corePackDir);
    await attune.packs.load(demoPack);
    await probe(attune).sql`update rule set enabled = false where ref = 'core.hello_world_timer'`;
    await attune.start();
  });
  afterAll(async () => {
    raw.disconnect();
    await disposeAttune(attune);
  });

  it('dead-letters wrong payloads with a reason, acks them, and still runs the next valid event', async () => {
    const c = probe(attune).catalog;
    const targets = [c.eventCreated, c.executionRequested, c.executionScheduled('shell'), c.executionStatus];
    await eventually('all groups exist', async () => {
      const stats = await attune.streams();
      return targets.every((t) => stats.find((s) => s.stream === t.key)?.groups.length === 1);
    });
    for (const t of targets) {
      // A payload of another message type, with this stream's type field: the wrong shape.
      await raw.xadd(t.key, '*', 'type', t.type, 'id', 'bad', 'trace', 'tr', 'at', new Date().toISOString(), 'payload', '{"eventId":42,"status":"maybe"}');
    }
    const { trace } = await attune.emit('core.event', { msg: 'still flowing' });
    const execution = await eventually('the valid event ran', async () => {
      const [row] = await probe(attune).sql<{ id: number; status: string; result: { stdout: string } }[]>`
        select id, status, result from execution where trace = ${trace} and status = 'succeeded'`;
      return row;
    });
    expect(execution.result.stdout).toBe('still flowing\n');
    const dead = await eventually('4 dead letters', async () => {
      const entries = (await raw.xrange(c.dead.key, '-', '+')) as [string, string[]][];
      return entries.length === 4 ? entries.map(([, f]) => f) : null;
    });
    const origins = dead.map((f) => f[f.indexOf('origin') + 1]).sort();
    expect(origins).toEqual(targets.map((t) => t.key).sort());
    for (const f of dead) expect(f[f.indexOf('error') + 1]).toMatch(/payload does not match/);
    await eventually('nothing pending in any group', async () => {
      const stats = await attune.streams();
      return stats.every((s) => s.groups.every((g) => g.pending === 0));
    });
  });
});
