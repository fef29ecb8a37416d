/** Timer schedules: cron with seconds and timezones, date timers, interval ticks, catch-up policies. */
import { describe, expect, it } from 'vitest';
import { missedTicks, tickDedupeKey, timerSchedule, validateTriggerParameters } from '../../src/triggers/timers.ts';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('core.crontimer', () => {
  const cases: [string, Record<string, unknown>, string, string | null][] = [
    ['every 5 seconds', { expression: '*/5 * * * * *' }, '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:05.000Z'],
    ['strictly after a tick', { expression: '*/5 * * * * *' }, '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:10.000Z'],
    ['five fields: minutes', { expression: '30 9 * * *' }, '2026-01-01T10:00:00.000Z', '2026-01-02T09:30:00.000Z'],
    ['a timezone', { expression: '0 0 9 * * *', timezone: 'Europe/Paris' }, '2026-01-01T00:00:00.000Z', '2026-01-01T08:00:00.000Z'],
    ['StackStorm fields, second defaults to 0', { minute: '*/15' }, '2026-01-01T00:07:10.000Z', '2026-01-01T00:15:00.000Z'],
    ['StackStorm fields with numbers', { hour: 6, minute: 0, second: 30 }, '2026-01-01T07:00:00.000Z', '2026-01-02T06:00:30.000Z'],
  ];
  it.each(cases)('%s', (_n, params, now, expected) => {
    expect(iso(timerSchedule('core.crontimer', params).next(t(now)))).toBe(expected);
  });

  it('refuses bad parameters with the reason', () => {
    expect(validateTriggerParameters('core.crontimer', { expression: '* * * *' })[0]).toMatch(/invalid cron expression "\* \* \* \*"/);
    expect(validateTriggerParameters('core.crontimer', { expression: '61 * * * * *' })[0]).toMatch(/invalid cron expression/);
    expect(validateTriggerParameters('core.crontimer', { expression: '* * * * * *', timezone: 'Mars/Base' })).toContain('timezone: unknown IANA timezone');
    expect(validateTriggerParameters('core.crontimer', {})[0]).toMatch(/give `expression`/);
    expect(validateTriggerParameters('core.crontimer', { expression: '* * * * * *', minute: 1 })[0]).toMatch(/not both/);
    expect(validateTriggerParameters('core.crontimer', { expression: '* * * * * *', catch_up: 'always' })[0]).toMatch(/^catch_up:/);
    expect(validateTriggerParameters('core.crontimer', { expression: '*/2 * * * * *', catch_up: 'fire_all', catch_up_max: 3 })).toEqual([]);
  });
});

describe('core.datetimer', () => {
  it('fires once at its date, with or without an offset (UTC)', () => {
    const s = timerSchedule('core.datetimer', { date: '2026-03-01T12:00:00+02:00' });
    expect(iso(s.next(t('2026-03-01T00:00:00Z')))).toBe('2026-03-01T10:00:00.000Z');
    expect(s.next(t('2026-03-01T10:00:00Z'))).toBeNull();
    expect(iso(timerSchedule('core.datetimer', { date: '2026-03-01T12:00:00' }).next(0))).toBe('2026-03-01T12:00:00.000Z');
    expect(validateTriggerParameters('core.datetimer', { date: 'tomorrow' })[0]).toMatch(/^date:/);
  });
});

describe('core.intervaltimer', () => {
  it('aligns ticks to the epoch', () => {
    const s = timerSchedule('core.intervaltimer', { unit: 'seconds', delta: 10 });
    expect(iso(s.next(t('2026-01-01T00:00:03.5Z')))).toBe('2026-01-01T00:00:10.000Z');
    expect(validateTriggerParameters('core.intervaltimer', { unit: 'fortnights', delta: 1 })[0]).toMatch(/^unit:/);
  });
});

describe('catch-up of missed ticks', () => {
  const last = t('2026-01-01T00:00:00Z');
  const now = t('2026-01-01T00:00:10.5Z');
  const cron = (extra: Record<string, unknown>) => timerSchedule('core.crontimer', { expression: '*/2 * * * * *', ...extra });
  const ival = (extra: Record<string, unknown>) => timerSchedule('core.intervaltimer', { unit: 'seconds', delta: 2, ...extra });
  const cases: [string, ReturnType<typeof cron>, string[]][] = [
    ['skip (default) fires none', cron({}), []],
    ['fire_once fires the latest', cron({ catch_up: 'fire_once' }), ['2026-01-01T00:00:10.000Z']],
    ['fire_all fires all, in order', cron({ catch_up: 'fire_all' }), ['02', '04', '06', '08', '10'].map((s) => `2026-01-01T00:00:${s}.000Z`)],
    ['fire_all is bounded, keeping the latest', cron({ catch_up: 'fire_all', catch_up_max: 2 }), ['2026-01-01T00:00:08.000Z', '2026-01-01T00:00:10.000Z']],
    ['interval timers too', ival({ catch_up: 'fire_all', catch_up_max: 3 }), ['06', '08', '10'].map((s) => `2026-01-01T00:00:${s}.000Z`)],
  ];
  it.each(cases)('%s', (_n, schedule, expected) => {
    expect(missedTicks(schedule, last, now).map(iso)).toEqual(expected);
  });

  it('a bounded interval catch-up after a year down stays cheap', () => {
    const s = ival({ catch_up: 'fire_all', catch_up_max: 2 });
    expect(missedTicks(s, last, last + 365 * 86_400_000)).toHaveLength(2);
  });

  it('dedupe keys name the instance and the tick', () => {
    expect(tickDedupeKey(7, t('2026-01-01T00:00:02Z'))).toBe('timer:7:2026-01-01T00:00:02.000Z');
  });
});
