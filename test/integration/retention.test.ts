/**
 * Retention deletes exactly the old finished rows (back-dated, not waited for): finished
 * executions past the age, their enforcements and events; it keeps recent ones, unfinished ones
 * however old, and what they point to. `--dry-run` counts the same and deletes nothing. Then the
 * old trigger instances nothing uses: no rule (enabled or not), no retained event, no recent tick.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, runCli, testAttune } from '../helpers.ts';

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
    expect(dry).toEqual({ executions: 5, enforcements: 5, events: 6, triggerInstances: 0, ran: true });
    expect(await counts()).toEqual(before);

    const done = await attune.gc();
    expect(done).toEqual({ executions: 5, enforcements: 5, events: 6, triggerInstances: 0, ran: true });
    expect(await counts()).toEqual({ x: (before?.x ?? 0) - 5, n: (before?.n ?? 0) - 5, v: (before?.v ?? 0) - 6 });
    expect((await sql`select id from execution where id = any(${old})`).length).toBe(0);
    const [kept] = await sql<{ status: string; enforcement_id: number }[]>`select status, enforcement_id from execution where id = ${oldRunning}`;
    expect(kept?.status).toBe('running');
    expect((await sql`select 1 from enforcement where id = ${kept?.enforcement_id ?? 0}`).length).toBe(1);
    const [rerun] = await sql<{ retry_of: number | null }[]>`select retry_of from execution where id = ${manual.id}`;
    expect(rerun?.retry_of).toBeNull();
    expect(await attune.gc()).toEqual({ executions: 0, enforcements: 0, events: 0, triggerInstances: 0, ran: true });
  });

  it('deletes old trigger instances nothing uses; keeps those of a rule (even disabled), of a retained event, of a recent tick, and young ones', async () => {
    const { sql } = probe(attune);
    const hook = (name: string, hookName: string) =>
      attune.rules.create({
        name,
        pack: 'core',
        trigger: { type: 'core.webhook', parameters: { name: hookName, token: `token-of-${hookName}-0123456789` } },
        action: { ref: 'core.noop' },
      });
    const timer = (name: string, delta: number) =>
      attune.rules.create({ name, pack: 'core', trigger: { type: 'core.intervaltimer', parameters: { unit: 'hours', delta } }, action: { ref: 'core.noop' } });
    const instanceOf = async (ref: string) => (await attune.rules.get(`core.${ref}`))?.trigger_instance_id as number;
    const ids: Record<string, number> = {};
    for (const [name, make] of [
      ['orphan', () => hook('orphan', 'gone')],
      ['used', () => hook('used', 'live')],
      ['evented', () => hook('evented', 'evented')],
      ['young', () => hook('young', 'young')],
      ['ticked', () => timer('ticked', 5)],
      ['stale_tick', () => timer('stale_tick', 7)],
    ] as const) {
      await make();
      ids[name] = await instanceOf(name);
    }
    ids.disabled = await instanceOf('hello_world_timer');
    expect(new Set(Object.values(ids)).size).toBe(7);
    for (const ref of ['orphan', 'evented', 'young', 'ticked', 'stale_tick']) await attune.rules.delete(`core.${ref}`);
    const old = Object.entries(ids)
      .filter(([name]) => name !== 'young')
      .map(([, id]) => id);
    await sql`update trigger_instance set created_at = now() - interval '40 days' where id = any(${old})`;
    // a retained (recent) event of a webhook whose rule is gone
    await sql`insert into event (id, trigger_ref, trigger_instance_id, payload, trace, occurred_at)
      values (gen_random_uuid(), 'core.webhook', ${ids.evented as number}, '{}', 'retention-test', now())`;
    await sql`insert into timer_tick (trigger_instance_id, last_tick) values (${ids.ticked as number}, now())`;
    await sql`insert into timer_tick (trigger_instance_id, last_tick, updated_at)
      values (${ids.stale_tick as number}, now() - interval '35 days', now() - interval '35 days')`;
    const left = async () => (await sql<{ id: number }[]>`select id from trigger_instance where id = any(${Object.values(ids)}) order by id`).map((r) => r.id);

    expect(await attune.gc({ dryRun: true })).toEqual({ executions: 0, enforcements: 0, events: 0, triggerInstances: 2, ran: true });
    expect(await left()).toHaveLength(7);
    expect(await attune.gc()).toEqual({ executions: 0, enforcements: 0, events: 0, triggerInstances: 2, ran: true });
    const kept = Object.entries(ids).filter(([name]) => name !== 'orphan' && name !== 'stale_tick');
    expect(await left()).toEqual(kept.map(([, id]) => id).sort((a, b) => a - b));
    expect((await sql`select 1 from timer_tick where trigger_instance_id = ${ids.stale_tick as number}`).length).toBe(0);

    // the event was all that kept its instance: once it is gone, so is the instance
    await sql`delete from event where trigger_instance_id = ${ids.evented as number}`;
    const cli = await runCli(attune, 'gc --dry-run');
    expect(cli.stdout.trim()).toBe('would delete 0 executions, 0 enforcements, 0 events, 1 trigger instances');
    expect(await attune.gc()).toEqual({ executions: 0, enforcements: 0, events: 0, triggerInstances: 1, ran: true });
    expect(await left()).not.toContain(ids.evented);
    // the same webhook saved again gets a fresh instance
    await hook('orphan', 'gone');
    expect(await instanceOf('orphan')).not.toBe(ids.orphan);
  });
});
