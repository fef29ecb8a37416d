/**
 * `emit` with a dedupe key answers with the id of the event that is stored (issue 16 item 6):
 * emits of one key in flight at once name the same event, and an emit after it is stored says
 * it is a duplicate (library: `duplicate: true`; CLI: "duplicate of event …" on stderr).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { cliRunner, corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

let attune: Attune;
beforeAll(async () => {
  attune = await testAttune('emitdedupe');
  await attune.packs.load(corePackDir);
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('emit --dedupe-key', { timeout: 60_000 }, () => {
  it('returns the id of the stored event, never a phantom one', async () => {
    const sql = probe(attune).sql;
    // before the enforcer stores anything: both emits are in flight and must name the same event
    const first = await attune.emit('core.event', { n: 1 }, { dedupeKey: 'k-1' });
    const second = await attune.emit('core.event', { n: 2 }, { dedupeKey: 'k-1' });
    expect(second.eventId).toBe(first.eventId);
    const other = await attune.emit('core.event', { n: 3 }, { dedupeKey: 'k-2' });
    expect(other.eventId).not.toBe(first.eventId);

    await attune.start({ actors: ['enforcer'] });
    await eventually('both keys stored', async () => (await sql`select 1 from event where dedupe_key in ('k-1', 'k-2')`).length === 2);
    const [stored] = await sql<{ id: string; payload: unknown }[]>`select id, payload from event where dedupe_key = 'k-1'`;
    expect(stored).toEqual({ id: first.eventId, payload: { n: 1 } });

    const third = await attune.emit('core.event', { n: 4 }, { dedupeKey: 'k-1' });
    expect(third).toEqual({ eventId: first.eventId, trace: first.trace, duplicate: true });
    expect(first.duplicate).toBeUndefined();

    const { namespace, schema } = attune.config;
    const cli = cliRunner({ ...process.env, ATTUNE_NAMESPACE: namespace, ATTUNE_DB_SCHEMA: schema, ATTUNE_LOG_LEVEL: 'warn' });
    const r = await cli('emit', 'core.event', '{"n":5}', '--dedupe-key', 'k-1');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ eventId: first.eventId, duplicate: true });
    expect(r.stderr.trim()).toBe(`attune: duplicate of event ${first.eventId} (dedupe key "k-1"): not emitted again`);
    expect(await sql`select 1 from event where dedupe_key = 'k-1'`).toHaveLength(1);
  });
});
