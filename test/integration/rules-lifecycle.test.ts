/**
 * Rule lifecycle without restart: create, update, disable, enable, delete through the library
 * reach the running enforcer and sensor at once; bad rules and bad payloads are refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

describe('rule lifecycle', () => {
  let attune: Attune;
  /** Emits an event and waits until the enforcer stored it; returns how many executions it made. */
  async function executionsFor(payload: Record<string, unknown>): Promise<number> {
    const { eventId } = await attune.emit('core.event', payload);
    await eventually('the event stored', async () => (await probe(attune).sql`select 1 from event where id = ${eventId}`).length === 1);
    const rows = await probe(attune).sql`select 1 from execution x join enforcement e on e.id = x.enforcement_id where e.event_id = ${eventId}`;
    return rows.length;
  }

  beforeAll(async () => {
    attune = await testAttune('rulelife');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.start({ actors: ['sensor', 'enforcer'] });
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('create → matches; disable → the very next event makes no execution; enable → again; update; delete', async () => {
    const created = await attune.rules.create({
      name: 'on_alert',
      pack: 'core',
      trigger: { type: 'core.event' },
      criteria: { 'payload.alert.severity': { type: 'iequals', pattern: 'HIGH' } },
      action: { ref: 'core.noop' },
    });
    expect(created).toMatchObject({ ref: 'core.on_alert', enabled: true, trigger_ref: 'core.event' });
    expect(await executionsFor({ alert: { severity: 'high' } })).toBe(1);
    expect(await executionsFor({ alert: { severity: 'low' } })).toBe(0);

    await attune.rules.disable('core.on_alert');
    expect((await attune.rules.get('core.on_alert'))?.enabled).toBe(false);
    expect(await executionsFor({ alert: { severity: 'high' } })).toBe(0);

    await attune.rules.enable('core.on_alert');
    expect(await executionsFor({ alert: { severity: 'high' } })).toBe(1);

    await attune.rules.update('core.on_alert', {
      name: 'on_alert',
      pack: 'core',
      trigger: { type: 'core.event' },
      criteria: { 'payload.alert.severity': { type: 'equals', pattern: 'low' } },
      action: { ref: 'core.noop' },
    });
    expect(await executionsFor({ alert: { severity: 'high' } })).toBe(0);
    expect(await executionsFor({ alert: { severity: 'low' } })).toBe(1);

    expect((await attune.rules.list({ pack: 'core' })).map((r) => r.ref)).toContain('core.on_alert');
    await attune.rules.delete('core.on_alert');
    expect(await attune.rules.get('core.on_alert')).toBeNull();
    expect(await executionsFor({ alert: { severity: 'low' } })).toBe(0);
  });

  it('a disabled timer rule stops firing within a second, while another keeps going', async () => {
    const cron = (name: string) => ({
      name,
      pack: 'core',
      trigger: { type: 'core.crontimer', parameters: { expression: `* * * * * *`, timezone: name === 'tick_a' ? 'UTC' : 'Europe/Paris' } },
      action: { ref: 'core.noop' },
    });
    const a = await attune.rules.create(cron('tick_a'));
    const b = await attune.rules.create(cron('tick_b'));
    const ticks = async (instance: number | null, after: Date) =>
      (await probe(attune).sql`select 1 from event where trigger_instance_id = ${instance} and occurred_at > ${after}`).length;
    await eventually('rule A fires', async () => (await ticks(a.trigger_instance_id, new Date(0))) >= 2);
    await attune.rules.disable('core.tick_a');
    const cutoff = new Date(Date.now() + 1000);
    await eventually('rule B fires 3 more ticks after the cut-off', async () => (await ticks(b.trigger_instance_id, cutoff)) >= 3, 15_000);
    expect(await ticks(a.trigger_instance_id, cutoff)).toBe(0);
    await attune.rules.delete('core.tick_b');
    await attune.rules.delete('core.tick_a');
  });

  it('refuses an unknown operator or an invalid pattern, naming the rule and the criterion', async () => {
    const bad = (criteria: Record<string, unknown>) =>
      attune.rules.create({ name: 'bad', pack: 'core', trigger: { type: 'core.event' }, criteria, action: { ref: 'core.noop' } });
    await expect(bad({ 'payload.x': { type: 'bogus', pattern: 1 } })).rejects.toThrow(/rule "core\.bad" is invalid: .*payload\.x.*bogus/);
    await expect(bad({ 'payload.x': { type: 'regex', pattern: '(' } })).rejects.toThrow(/rule "core\.bad" is invalid: .*payload\.x/);
    expect(await attune.rules.get('core.bad')).toBeNull();
    await expect(
      attune.rules.create({ name: 'hello_world_timer', pack: 'core', trigger: { type: 'core.event' }, action: { ref: 'core.noop' } }),
    ).rejects.toThrow(/already exists/);
    await expect(attune.rules.enable('core.missing')).rejects.toThrow(/no rule "core\.missing"/);
  });

  it('emit() refuses a payload that does not fit the trigger schema, with the reason', async () => {
    await expect(attune.emit('core.intervaltimer', { executed_at: 5 })).rejects.toThrow(
      /payload refused by trigger "core\.intervaltimer": payload\.executed_at: expected string, got number/,
    );
    await expect(attune.emit('core.crontimer', {})).rejects.toThrow(/payload\.executed_at: is required/);
    await expect(attune.emit('core.intervaltimer', { executed_at: new Date().toISOString() })).resolves.toHaveProperty('eventId');
  });
});
