import { describe, expect, it } from 'vitest';
import { actionPolicySchema } from '../../src/domain/policy-schema.ts';
import { backoffMs, planRetries } from '../../src/domain/retry-plan.ts';

const policy = actionPolicySchema.parse({ retry: { max_attempts: 3, backoff: { initial: '1s', factor: 2, max: '3s' } } });

describe('retry plan', () => {
  it('backs off exponentially up to the maximum; full jitter draws below the ceiling', () => {
    const b = policy.retry!.backoff;
    expect([1, 2, 3, 4].map((n) => backoffMs(b, n))).toEqual([1000, 2000, 3000, 3000]);
    expect(backoffMs({ ...b, jitter: 'full' }, 2, () => 0.25)).toBe(500);
  });

  it('retries only the statuses it names, up to max_attempts, and nothing without a policy', () => {
    const ended = [
      { id: 1, status: 'failed' as const, attempt: 1, policy },
      { id: 2, status: 'failed' as const, attempt: 3, policy },
      { id: 3, status: 'abandoned' as const, attempt: 1, policy },
      { id: 4, status: 'succeeded' as const, attempt: 1, policy },
      { id: 5, status: 'failed' as const, attempt: 1, policy: null },
      { id: 6, status: 'timeout' as const, attempt: 2, policy },
    ];
    expect(planRetries(ended).map((r) => [r.id, r.delayMs])).toEqual([
      [1, 1000],
      [6, 2000],
    ]);
    expect(planRetries(ended)[0]?.reason).toBe('retry 2 of 3 after execution 1 failed, due in 1000 ms');
  });
});
