/**
 * Retry arithmetic (pure). A failed attempt `n` of an execution whose policy retries on its final
 * status gets attempt `n+1`, a new execution linked by `retry_of`, due after the backoff:
 * `min(max, initial × factor^(n-1))`, or with `jitter: full` a uniform draw in [0, that]
 * (AWS "full jitter"; Temporal's initial/coefficient/maximum).
 */
import type { ExecutionStatus } from './execution-lifecycle.ts';
import type { ActionPolicy, RetryPolicy } from './policy-schema.ts';

export function backoffMs(b: RetryPolicy['backoff'], attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(b.max, b.initial * b.factor ** Math.max(0, attempt - 1));
  return Math.round(b.jitter === 'full' ? random() * ceiling : ceiling);
}

export interface EndedExecution {
  id: number;
  status: ExecutionStatus;
  attempt: number;
  policy: ActionPolicy | null;
}

export interface PlannedRetry {
  id: number;
  delayMs: number;
  reason: string;
}

/** The retries due for executions that just reached a final status (none without a retry policy). */
export function planRetries(ended: readonly EndedExecution[], random: () => number = Math.random): PlannedRetry[] {
  const out: PlannedRetry[] = [];
  for (const e of ended) {
    const retry = e.policy?.retry;
    if (!retry || e.attempt >= retry.max_attempts) continue;
    if (!(retry.on as readonly string[]).includes(e.status)) continue;
    const delayMs = backoffMs(retry.backoff, e.attempt, random);
    out.push({ id: e.id, delayMs, reason: `retry ${e.attempt + 1} of ${retry.max_attempts} after execution ${e.id} ${e.status}, due in ${delayMs} ms` });
  }
  return out;
}
