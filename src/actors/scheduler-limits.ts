/**
 * The scheduler's policy step, only for executions whose policy has a concurrency limit: take a
 * slot (oldest request first), or wait in line (`delayed`, with the reason) or be canceled
 * (`on_limit: cancel`). Executions without such a policy never come here (no extra round trip).
 */
import type { ActionPolicy } from '../domain/policy-schema.ts';
import { toError } from '../errors.ts';
import type { ConcurrencySlots } from '../limits/concurrency-slots.ts';
import type { RateWindows } from '../limits/rate-window.ts';
import { renderKey } from '../rules/template.ts';

export interface Limited {
  id: number;
  action_ref: string;
  parameters: Record<string, unknown>;
  policy: ActionPolicy | null;
}

export interface LimitDecisions {
  /** Held back: `delayed` with the reason (and a time for a rate limit). */
  delayed: { id: number; reason: string; notBefore: string | null }[];
  /** `on_limit: cancel`, or a key that cannot be rendered. */
  canceled: { id: number; reason: string }[];
}

/** `<action>|<rendered key>`: one limit per action, or per action and key. */
export function scopeOf(actionRef: string, template: string | undefined, parameters: Record<string, unknown>): string {
  return `${actionRef}|${template ? renderKey(template, { parameters }) : ''}`;
}

export function hasLimits(p: ActionPolicy | null): boolean {
  return Boolean(p?.concurrency ?? p?.rate_limit);
}

/**
 * The rate limit first (it holds nothing while the execution waits), then the concurrency slot.
 * A rate-limited execution is `delayed` until its window has room (`not_before`).
 */
export async function applyLimits(slots: ConcurrencySlots, rates: RateWindows, limited: readonly Limited[]): Promise<LimitDecisions> {
  const out: LimitDecisions = { delayed: [], canceled: [] };
  const ordered = [...limited].sort((a, b) => a.id - b.id);
  await Promise.all(
    ordered.map(async (e) => {
      const rl = e.policy?.rate_limit;
      const c = e.policy?.concurrency;
      let scope = '';
      try {
        if (rl) {
          const waitMs = await rates.take(scopeOf(e.action_ref, rl.key, e.parameters), rl.limit, rl.per, e.id);
          if (waitMs > 0) {
            const reason = `rate limit ${rl.limit} per ${rl.per} ms reached; next start in ${waitMs} ms`;
            out.delayed.push({ id: e.id, reason, notBefore: new Date(Date.now() + waitMs).toISOString() });
            return;
          }
        }
        if (!c) return;
        scope = scopeOf(e.action_ref, c.key, e.parameters);
      } catch (err) {
        out.canceled.push({ id: e.id, reason: `policy key: ${toError(err).message}` });
        return;
      }
      if (await slots.acquire(scope, c.limit, e.id)) return;
      const what = `concurrency limit ${c.limit} reached${c.key ? ` for key "${scope.slice(e.action_ref.length + 1)}"` : ''}`;
      if (c.on_limit === 'cancel') {
        await slots.release(e.id);
        out.canceled.push({ id: e.id, reason: `${what}; canceled (on_limit: cancel)` });
      } else out.delayed.push({ id: e.id, reason: `${what}; waiting in line`, notBefore: null });
    }),
  );
  return out;
}
