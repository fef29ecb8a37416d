/** core.crontimer with a seconds field fires on schedule, end to end; core.datetimer fires once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

describe('cron and date timers', () => {
  let attune: Attune;
  beforeAll(async () => {
    attune = await testAttune('timerscron');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.start({ actors: ['sensor', 'enforcer', 'scheduler', 'worker', 'manager'] });
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('a rule on "*/2 * * * * *" runs its action on every even second, once per tick', async () => {
    const rule = await attune.rules.create({
      name: 'every_two',
      pack: 'core',
      trigger: { type: 'core.crontimer', parameters: { expression: '*/2 * * * * *' } },
      action: { ref: 'core.echo', parameters: { message: 'tick {{ event.payload.executed_at }}' } },
    });
    const rows = await eventually(
      '3 succeeded executions of the cron rule',
      async () => {
        const r = await probe(attune).sql<{ executed_at: string; stdout: string }[]>`
          select ev.payload->>'executed_at' as executed_at, x.result->>'stdout' as stdout
          from execution x join enforcement e on e.id = x.enforcement_id join event ev on ev.id = e.event_id
          where e.rule_id = ${rule.id} and x.status = 'succeeded' order by ev.occurred_at`;
        return r.length >= 3 ? r : null;
      },
      20_000,
    );
    const times = rows.map((r) => Date.parse(r.executed_at));
    for (const [i, t] of times.entries()) {
      expect(t % 2000).toBe(0);
      expect(rows[i]?.stdout).toContain(`tick ${rows[i]?.executed_at}`);
      if (i > 0) expect(t - (times[i - 1] as number)).toBe(2000);
    }
    await attune.rules.delete('core.every_two');
  });

  it('a date timer fires once at its date', async () => {
    const at = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
    const rule = await attune.rules.create({
      name: 'once',
      pack: 'core',
      trigger: { type: 'core.datetimer', parameters: { date: at.toISOString() } },
      action: { ref: 'core.noop' },
    });
    const [event] = await eventually('the date timer event', async () => {
      const r = await probe(attune).sql<{ occurred_at: Date }[]>`select occurred_at from event where trigger_instance_id = ${rule.trigger_instance_id}`;
      return r.length > 0 ? r : null;
    });
    expect(event?.occurred_at.toISOString()).toBe(at.toISOString());
    // a reload re-arms nothing: the date has passed
    await attune.rules.disable('core.once');
    await attune.rules.enable('core.once');
    const { eventId } = await attune.emit('core.event', {});
    await eventually('a later event stored', async () => (await probe(attune).sql`select 1 from event where id = ${eventId}`).length === 1);
    expect(await probe(attune).sql`select 1 from event where trigger_instance_id = ${rule.trigger_instance_id}`).toHaveLength(1);
  });
});
