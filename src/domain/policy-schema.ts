/**
 * Action policies (retry, concurrency, rate limit) and rule flow control (throttle, debounce,
 * dedupe): the YAML shapes, strict (an unknown key such as `retyr:` is refused, with a "did you
 * mean"), durations as `500ms`, `1s`, `5m`, `1h` (or a number of milliseconds), resolved to ms.
 * Prior art: StackStorm `action.concurrency` / retry policies, Temporal retry policies
 * (initial, coefficient, maximum), BullMQ's rate limiter, Inngest's concurrency keys, throttle
 * and debounce.
 */
import { z } from 'zod';
import { strictObject } from '../did-you-mean.ts';

export { strictObject };

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1s`, `1.5m`, `250ms`, or a number of milliseconds → milliseconds. */
export const duration = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  const ms = m ? Math.round(Number(m[1]) * (units[m[2] ?? ''] ?? 0)) : 0;
  if (ms <= 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (like 500ms, 1s, 5m, 1h)` });
  return ms;
});

/** A template over the execution's parameters (`{{ parameters.host }}`) or the event (`{{ trigger.host }}`). */
const keyTemplate = z.string().min(1);

export const retryPolicySchema = strictObject({
  max_attempts: z.number().int().min(1).max(100),
  on: z
    .array(z.enum(['failed', 'timeout', 'abandoned']))
    .min(1)
    .default(['failed', 'timeout']),
  backoff: strictObject({
    initial: duration.default(1000),
    factor: z.number().min(1).max(10).default(2),
    max: duration.default(60_000),
    jitter: z.enum(['none', 'full']).default('none'),
  }).default({ initial: 1000, factor: 2, max: 60_000, jitter: 'none' }),
});

export const concurrencyPolicySchema = strictObject({
  limit: z.number().int().min(1),
  key: keyTemplate.optional(),
  on_limit: z.enum(['delay', 'cancel']).default('delay'),
});

export const rateLimitPolicySchema = strictObject({
  limit: z.number().int().min(1),
  per: duration,
  key: keyTemplate.optional(),
});

export const actionPolicySchema = strictObject({
  retry: retryPolicySchema.optional(),
  concurrency: concurrencyPolicySchema.optional(),
  rate_limit: rateLimitPolicySchema.optional(),
});

export const flowControlSchema = strictObject({
  throttle: strictObject({ limit: z.number().int().min(1), per: duration, key: keyTemplate.optional() }).optional(),
  debounce: strictObject({ wait: duration, max_wait: duration.optional(), key: keyTemplate.optional() }).optional(),
  dedupe: strictObject({ window: duration, key: keyTemplate }).optional(),
}).refine((f) => !(f.throttle && f.debounce), {
  message: 'debounce cannot be combined with throttle (a debounce already runs once per quiet period; bound it with max_wait)',
  path: ['debounce'],
});

export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type ConcurrencyPolicy = z.infer<typeof concurrencyPolicySchema>;
export type RateLimitPolicy = z.infer<typeof rateLimitPolicySchema>;
/** Resolved: durations in milliseconds. */
export type ActionPolicy = z.infer<typeof actionPolicySchema>;
export type FlowControl = z.infer<typeof flowControlSchema>;

/** What is stored (`action.policy`, `execution.policy`): resolved, or null when there is none. */
export function isEmptyPolicy(p: ActionPolicy | null | undefined): boolean {
  return !p || (!p.retry && !p.concurrency && !p.rate_limit);
}

/** A rule's `action.policy` overrides the action's, per policy (retry, concurrency, rate_limit). */
export function mergePolicies(action: ActionPolicy | null, rule: ActionPolicy | null): ActionPolicy | null {
  const merged = { ...(action ?? {}), ...(rule ?? {}) };
  return isEmptyPolicy(merged) ? null : merged;
}

/** Checks that only an idempotent action may be retried after `abandoned`; returns problems. */
export function policyProblems(p: ActionPolicy | null | undefined, idempotent: boolean): string[] {
  if (p?.retry?.on.includes('abandoned') && !idempotent) {
    return ['policy.retry.on: "abandoned" is allowed only when the action says `idempotent: true` (it may have run partly)'];
  }
  return [];
}
