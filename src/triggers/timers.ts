/**
 * Timer triggers: parameter schemas and tick arithmetic (pure). Every timer is a schedule
 * (`next tick strictly after t`); ticks are absolute times every sensor replica computes alike, so
 * the dedupe key `timer:<instance>:<tick>` makes each tick one event.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/** What to do with ticks missed while no sensor ran: nothing, the latest one, or all (at most `catch_up_max`). */
const catchUp = {
  catch_up: z.enum(['skip', 'fire_once', 'fire_all']).default('skip'),
  catch_up_max: z.number().int().min(1).max(10_000).default(100),
};

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
const timezone = z.string().refine(validTimezone, { message: 'unknown IANA timezone' });

export const intervalTimerParams = z.strictObject({
  unit: z.enum(['seconds', 'minutes', 'hours', 'days', 'weeks']),
  delta: z.number().int().min(1),
  ...catchUp,
});
export type IntervalTimerParams = z.infer<typeof intervalTimerParams>;

const cronField = z.union([z.string().min(1), z.number().int().min(0)]).transform(String);

/**
 * `expression` is a cron expression of 5 or 6 fields (the first of 6 is seconds), or StackStorm's
 * fields (`second` … `day_of_week`; `second` defaults to 0, the others to `*`).
 */
export const cronTimerParams = z
  .strictObject({
    expression: z.string().min(1).optional(),
    second: cronField.optional(),
    minute: cronField.optional(),
    hour: cronField.optional(),
    day: cronField.optional(),
    month: cronField.optional(),
    day_of_week: cronField.optional(),
    timezone: timezone.default('UTC'),
    ...catchUp,
  })
  .superRefine((p, ctx) => {
    const fields = [p.second, p.minute, p.hour, p.day, p.month, p.day_of_week].some((f) => f !== undefined);
    if (p.expression && fields) ctx.addIssue({ code: 'custom', message: 'give either `expression` or the fields second…day_of_week, not both' });
    if (!p.expression && !fields) ctx.addIssue({ code: 'custom', message: 'give `expression` (e.g. "*/5 * * * * *") or at least one of second…day_of_week' });
    const n = p.expression?.trim().split(/\s+/).length ?? 6;
    if (p.expression && !p.expression.startsWith('@') && n !== 5 && n !== 6) {
      ctx.addIssue({ code: 'custom', message: `invalid cron expression "${p.expression}": expected 5 fields, or 6 with seconds first, got ${n}` });
    } else if (p.expression || fields) {
      try {
        CronExpressionParser.parse(cronExpression(p), { tz: p.timezone, strict: false });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `invalid cron expression "${cronExpression(p)}": ${(err as Error).message}` });
      }
    }
  });
export type CronTimerParams = z.infer<typeof cronTimerParams>;

/** Fires once at `date` (ISO 8601; without an offset it is UTC). */
export const dateTimerParams = z.strictObject({
  date: z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })]),
  ...catchUp,
});
export type DateTimerParams = z.infer<typeof dateTimerParams>;

export const timerTriggers = {
  'core.intervaltimer': intervalTimerParams,
  'core.crontimer': cronTimerParams,
  'core.datetimer': dateTimerParams,
} as const satisfies Record<string, z.ZodType>;
export type TimerTriggerRef = keyof typeof timerTriggers;

export function isTimerTrigger(ref: string): ref is TimerTriggerRef {
  return Object.hasOwn(timerTriggers, ref);
}

/** Validates trigger parameters for the triggers the sensor runs; other triggers pass as they are. */
export function validateTriggerParameters(triggerRef: string, params: unknown): string[] {
  if (!isTimerTrigger(triggerRef)) return [];
  const r = timerTriggers[triggerRef].safeParse(params);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`);
}

const unitMs = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

export function intervalMs(p: Pick<IntervalTimerParams, 'unit' | 'delta'>): number {
  return p.delta * unitMs[p.unit];
}

export function cronExpression(p: Pick<CronTimerParams, 'expression' | 'second' | 'minute' | 'hour' | 'day' | 'month' | 'day_of_week'>): string {
  if (p.expression) return p.expression;
  return [p.second ?? '0', p.minute ?? '*', p.hour ?? '*', p.day ?? '*', p.month ?? '*', p.day_of_week ?? '*'].join(' ');
}

/**
 * The next tick strictly after `now`. Interval ticks are aligned to the epoch, so that every sensor
 * replica computes the same tick times and the dedupe key `instance:tick` makes each tick one event.
 */
export function nextTick(periodMs: number, now: number): number {
  return (Math.floor(now / periodMs) + 1) * periodMs;
}

export interface TimerSchedule {
  catchUp: 'skip' | 'fire_once' | 'fire_all';
  catchUpMax: number;
  /** Fixed period (interval timers): catch-up jumps instead of walking every missed tick. */
  periodMs?: number;
  /** The first tick strictly after `afterMs`, or null when there is none. */
  next(afterMs: number): number | null;
}

/** The schedule of a timer trigger instance; throws on parameters that do not fit. */
export function timerSchedule(triggerRef: TimerTriggerRef, params: unknown): TimerSchedule {
  if (triggerRef === 'core.intervaltimer') {
    const p = intervalTimerParams.parse(params);
    const period = intervalMs(p);
    return { catchUp: p.catch_up, catchUpMax: p.catch_up_max, periodMs: period, next: (after) => nextTick(period, after) };
  }
  if (triggerRef === 'core.crontimer') {
    const p = cronTimerParams.parse(params);
    const expr = cronExpression(p);
    return {
      catchUp: p.catch_up,
      catchUpMax: p.catch_up_max,
      next: (after) => {
        const it = CronExpressionParser.parse(expr, { currentDate: new Date(after), tz: p.timezone });
        return it.hasNext() ? it.next().getTime() : null;
      },
    };
  }
  const p = dateTimerParams.parse(params);
  const at = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(p.date) ? p.date : `${p.date}Z`);
  return { catchUp: p.catch_up, catchUpMax: p.catch_up_max, next: (after) => (at > after ? at : null) };
}

/**
 * The ticks missed between the last fired tick (exclusive) and `now` (inclusive), as the catch-up
 * policy wants them: none, the latest, or the latest `catchUpMax` in order.
 */
export function missedTicks(schedule: TimerSchedule, lastFiredMs: number, nowMs: number): number[] {
  if (schedule.catchUp === 'skip') return [];
  const keep = schedule.catchUp === 'fire_once' ? 1 : schedule.catchUpMax;
  const out: number[] = [];
  const from = schedule.periodMs ? Math.max(lastFiredMs, nowMs - (keep + 1) * schedule.periodMs) : lastFiredMs;
  for (let t = schedule.next(from); t !== null && t <= nowMs; t = schedule.next(t)) {
    out.push(t);
    if (out.length > keep) out.shift();
  }
  return out;
}

export function tickDedupeKey(triggerInstanceId: number, tickMs: number): string {
  return `timer:${triggerInstanceId}:${new Date(tickMs).toISOString()}`;
}
