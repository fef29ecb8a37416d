/**
 * Retention deletes exactly the old finished rows (back-dated, not waited for): finished
 * executions past the age, their enforcements and events; it keeps recent ones, unfinished ones
 * however old, and what they point to. `--dry-run` counts the same and deletes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

describe('retention', () => {
  let attune: Attune;
  beforeAll(async () => {
    attune = await testAttune('retention', { retention: { batchSize: 2 } });
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.rules.create({ name: 'ret', pack: 'core', trigger: { type: 'core.event' }, action: { ref: 'core.noop' } });
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('deletes old finished executions with their enforcements and events, keeps the rest', async () => {
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
    for (let i = 0; i < 8; i++) await attune.emit('core.event', { i });
    const manual = await attune.run('core.noop', {}, { wait: true });
    const { sql } = probe(attune);
    await eventually(
      '9 executions succeeded',
      async () => (await sql<{ n: number }[]>`select count(*)::int as n from execution where status = 'succeeded'`)[0]?.n === 9,
    );
    const [eventNoRule] = [await attune.emit('core.webhook', { body: {}, headers: {} })];
    await eventually('the unmatched event stored', async () => (await sql`select 1 from event where id = ${eventNoRule.eventId}`).length === 1);
    // Back-date: 5 executions old and finished; 1 old but still running (faked); 2 recent.
    const rows = await sql<{ id: number }[]>`select id from execution where enforcement_id is not null order by id`;
    const old = rows.slice(0, 5).map((r) => r.id);
    const oldRunning = rows[5]?.id as number;
    await sql`update execution set finished_at = now() - interval '40 days', requested_at = now() - interval '40 days' where id = any(${old})`;
    await sql`update enforcement set created_at = now() - interval '40 days' where id in (select enforcement_id from execution where id = any(${[...old, oldRunning]}))`;
    await sql`update event set created_at = now() - interval '40 days' where id in (
      select n.event_id from enforcement n join execution x on x.enforcement_id = n.id where x.id = any(${[...old, oldRunning]}))`;
    await sql`update event set created_at = now() - interval '40 days' where id = ${eventNoRule.eventId}`;
    await sql`update execution set status = 'running', finished_at = null where id = ${oldRunning}`;
    await sql`update execution set retry_of = ${old[0] as number} where id = ${manual.id}`; // a rerun outliving its original

    const counts = async () => {
      const [c] = await sql<{ x: number; n: number; v: number }[]>`
        select (select count(*)::int from execution) as x, (select count(*)::int from enforcement) as n, (select count(*)::int from event) as v`;
      return c;
    };
    const before = await counts();
    const dry = await attune.gc({ dryRun: true });
    expect(dry).toEqual({ executions: 5, enforcements: 5, events: 6, ran: true });
    expect(await counts()).toEqual(before);

    const done = await attune.gc();
    expect(done).toEqual({ executions: 5, enforcements: 5, events: 6, ran: true });
    expect(await counts()).toEqual({ x: (before?.x ?? 0) - 5, n: (before?.n ?? 0) - 5, v: (before?.v ?? 0) - 6 });
    expect((await sql`select id from execution where id = any(${old})`).length).toBe(0);
    const [kept] = await sql<{ status: string; enforcement_id: number }[]>`select status, enforcement_id from execution where id = ${oldRunning}`;
    expect(kept?.status).toBe('running');
    expect((await sql`select 1 from enforcement where id = ${kept?.enforcement_id ?? 0}`).length).toBe(1);
    const [rerun] = await sql<{ retry_of: number | null }[]>`select retry_of from execution where id = ${manual.id}`;
    expect(rerun?.retry_of).toBeNull();
    expect(await attune.gc()).toEqual({ executions: 0, enforcements: 0, events: 0, ran: true });
  });
});
