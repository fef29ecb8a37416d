/**
 * The enforcer's flow-control step, only for matches of rules with `flow:` (a rule without it never
 * comes here: no extra round trip). In order: dedupe, then throttle, each a sliding window in Redis
 * (`{ns}:flow:<rule id>|<kind>|<key>`, the events counted by id, `lua/rate-take.lua`: a redelivered
 * event is not counted twice), one pipeline per batch and control; then debounce, whose windows are
 * rows in Postgres written in the enforcer's transaction (`execution-store-flow.ts`).
 */
import type { DebouncedMatch } from '../db/execution-store-flow.ts';
import type { EnforcedExecution } from '../db/execution-store.ts';
import type { FlowControl } from '../domain/policy-schema.ts';
import { toError } from '../errors.ts';
import type { RateWindows } from '../limits/rate-window.ts';
import type { StoredEvent } from '../rules/enforcement-plan.ts';
import { flowKey, flowScope } from '../rules/flow-control.ts';

export interface FlowOutcome {
  /** Every match, with `flow` set on those held back (their enforcement records it, no execution). */
  enforced: EnforcedExecution[];
  /** Matches that open or extend a debounce window. */
  debounced: DebouncedMatch[];
}

/** A window as the user wrote it (`per: 1h` reads `1h`, not `60m`). */
function ms(n: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (n % size === 0) return `${n / size}${unit}`;
  return `${n}ms`;
}

export async function applyFlow(
  rates: RateWindows,
  planned: readonly EnforcedExecution[],
  flows: ReadonlyMap<number, FlowControl>,
  events: ReadonlyMap<string, StoredEvent>,
): Promise<FlowOutcome> {
  const out = [...planned];
  const keyOf = (i: number, kind: 'dedupe' | 'throttle' | 'debounce'): string | null => {
    const p = out[i] as EnforcedExecution;
    const e = events.get(p.eventId);
    const f = flows.get(p.ruleId)?.[kind];
    if (!f || !e || p.error || p.flow) return null;
    try {
      return flowKey(f.key, flowScope(e));
    } catch (err) {
      out[i] = { ...p, error: `rule "${p.ruleRef}": flow.${kind}.key: ${toError(err).message}` };
      return null;
    }
  };
  for (const kind of ['dedupe', 'throttle'] as const) {
    const takes: { i: number; key: string; scope: string; limit: number; perMs: number; eventId: string }[] = [];
    for (let i = 0; i < out.length; i++) {
      const key = keyOf(i, kind);
      if (key === null) continue;
      const p = out[i] as EnforcedExecution;
      const f = flows.get(p.ruleId) as FlowControl;
      const [limit, perMs] = kind === 'dedupe' ? [1, f.dedupe?.window ?? 0] : [f.throttle?.limit ?? 0, f.throttle?.per ?? 0];
      takes.push({ i, key, scope: `${p.ruleId}|${kind}|${key}`, limit, perMs, eventId: p.eventId });
    }
    const allowed = await rates.takeFlow(takes);
    takes.forEach((t, j) => {
      if (allowed[j]) return;
      const reason =
        kind === 'dedupe'
          ? `deduplicated: an event with key "${t.key}" was enforced within ${ms(t.perMs)}`
          : `throttled: ${t.limit} enforcement(s) per ${ms(t.perMs)} for key "${t.key}" already made`;
      out[t.i] = { ...(out[t.i] as EnforcedExecution), flow: { status: kind === 'dedupe' ? 'deduplicated' : 'throttled', key: t.key, reason } };
    });
  }
  const debounced: DebouncedMatch[] = [];
  for (let i = 0; i < out.length; i++) {
    const key = keyOf(i, 'debounce');
    if (key === null) continue;
    const p = out[i] as EnforcedExecution;
    const d = flows.get(p.ruleId)?.debounce;
    if (!d) continue;
    const cap = d.max_wait === undefined ? '' : `, at most ${ms(d.max_wait)} after the first`;
    const reason = `debounced: runs with the last event after ${ms(d.wait)} of quiet${cap} (key "${key}")`;
    out[i] = { ...p, flow: { status: 'debounced', key, reason } };
    debounced.push({ ...p, key, waitMs: d.wait, maxWaitMs: d.max_wait ?? null });
  }
  return { enforced: out, debounced };
}
