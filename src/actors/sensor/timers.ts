/** Timer triggers: parameter schemas and tick arithmetic (pure). */
import { z } from 'zod';

export const intervalTimerParams = z.strictObject({
  unit: z.enum(['seconds', 'minutes', 'hours']),
  delta: z.number().int().min(1),
});
export type IntervalTimerParams = z.infer<typeof intervalTimerParams>;

const unitMs = { seconds: 1000, minutes: 60_000, hours: 3_600_000 } as const;

export const timerTriggers: Record<string, z.ZodType> = {
  'core.intervaltimer': intervalTimerParams,
};

/** Validates trigger parameters for the triggers the sensor runs; other triggers pass as they are. */
export function validateTriggerParameters(triggerRef: string, params: unknown): string[] {
  const schema = timerTriggers[triggerRef];
  if (!schema) return [];
  const r = schema.safeParse(params);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`);
}

export function intervalMs(p: IntervalTimerParams): number {
  return p.delta * unitMs[p.unit];
}

/**
 * The next tick strictly after `now`. Ticks are aligned to the epoch, so that every sensor replica
 * computes the same tick times and the dedupe key `instance:tick` makes each tick one event.
 */
export function nextTick(periodMs: number, now: number): number {
  return (Math.floor(now / periodMs) + 1) * periodMs;
}

export function tickDedupeKey(triggerInstanceId: number, tickMs: number): string {
  return `timer:${triggerInstanceId}:${new Date(tickMs).toISOString()}`;
}
