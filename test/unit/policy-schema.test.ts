import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didYouMean } from '../../src/did-you-mean.ts';
import { actionPolicySchema, duration, flowControlSchema, mergePolicies } from '../../src/domain/policy-schema.ts';
import { actionFileSchema, ruleFileSchema } from '../../src/packs/schema.ts';

const message = (r: { success: boolean; error?: z.ZodError }) => (r.error ? z.prettifyError(r.error) : '');

describe('policy schemas', () => {
  it('resolves durations to milliseconds and refuses nonsense', () => {
    expect(duration.parse('1s')).toBe(1000);
    expect(duration.parse('1.5m')).toBe(90_000);
    expect(duration.parse('250ms')).toBe(250);
    expect(duration.parse(40)).toBe(40);
    expect(message(duration.safeParse('soon'))).toContain('"soon" is not a duration');
  });

  it('fills the retry defaults', () => {
    const p = actionPolicySchema.parse({ retry: { max_attempts: 3, backoff: { initial: '1s', max: '1m', jitter: 'full' } } });
    expect(p.retry).toEqual({ max_attempts: 3, on: ['failed', 'timeout'], backoff: { initial: 1000, factor: 2, max: 60_000, jitter: 'full' } });
  });

  it('refuses an unknown key, naming it with a did-you-mean', () => {
    const r = actionPolicySchema.safeParse({ retyr: { max_attempts: 2 } });
    expect(message(r)).toContain('"retyr" (did you mean "retry"?)');
    const nested = flowControlSchema.safeParse({ throttle: { limit: 1, per: '1m', kye: 'x' } });
    expect(message(nested)).toMatch(/"kye" \(did you mean "key"\?\)[\s\S]*throttle/);
    expect(didYouMean('zzzzzz', ['retry'])).toBeNull();
  });

  it('names the field of a bad value', () => {
    expect(message(actionPolicySchema.safeParse({ concurrency: { limit: 0 } }))).toContain('concurrency.limit');
    expect(message(actionPolicySchema.safeParse({ concurrency: { limit: 1, on_limit: 'drop' } }))).toContain('concurrency.on_limit');
  });

  it('refuses a misspelt policy at the top of an action file, and abandoned retries of a non-idempotent action', () => {
    const base = { name: 'a', runtime: 'shell', command: 'true' };
    expect(message(actionFileSchema.safeParse({ ...base, retyr: { max_attempts: 2 } }))).toContain('did you mean "retry"');
    expect(message(actionFileSchema.safeParse({ ...base, retry: { max_attempts: 2, on: ['abandoned'] } }))).toContain('idempotent: true');
    expect(actionFileSchema.parse({ ...base, idempotent: true, retry: { max_attempts: 2, on: ['abandoned'] } }).retry?.on).toEqual(['abandoned']);
  });

  it('takes a rule override per policy', () => {
    const rule = ruleFileSchema.parse({
      name: 'r',
      trigger: { type: 'core.x' },
      action: { ref: 'p.a', policy: { concurrency: { limit: 1 } } },
      flow: { debounce: { wait: '30s', max_wait: '5m' } },
    });
    expect(rule.flow?.debounce).toEqual({ wait: 30_000, max_wait: 300_000 });
    const merged = mergePolicies(
      { retry: actionPolicySchema.parse({ retry: { max_attempts: 2 } }).retry, concurrency: { limit: 5, on_limit: 'delay' } },
      rule.action.policy ?? null,
    );
    expect(merged?.concurrency).toEqual({ limit: 1, on_limit: 'delay' });
    expect(merged?.retry?.max_attempts).toBe(2);
    expect(mergePolicies(null, null)).toBeNull();
  });
});
