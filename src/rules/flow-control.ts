/**
 * Rule flow control (throttle, debounce, dedupe), the pure part: the key each control renders from
 * an event, and the what-if `attune rule test` reports over stored events. The enforcer applies the
 * same order (dedupe, then throttle, then debounce) with windows every process sees
 * (`actors/enforcer-flow.ts`); docs/policies.md has the semantics.
 */
import type { FlowControl } from '../domain/policy-schema.ts';
import type { StoredEvent } from './enforcement-plan.ts';
import { renderKey } from './template.ts';

export type FlowDecision = 'run' | 'throttled' | 'debounced' | 'deduplicated';

/** What a key template sees: `trigger` and `payload` are the event's payload, as in parameters. */
export function flowScope(e: Pick<StoredEvent, 'id' | 'trigger_ref' | 'payload' | 'occurred_at'>): object {
  const occurredAt = typeof e.occurred_at === 'string' ? e.occurred_at : e.occurred_at.toISOString();
  return { event: { id: e.id, trigger: e.trigger_ref, payload: e.payload, occurred_at: occurredAt }, trigger: e.payload, payload: e.payload };
}

/** The rendered key of one control (empty without a template: one window for the rule). */
export function flowKey(template: string | undefined, scope: object): string {
  return template ? renderKey(template, scope) : '';
}

export interface FlowWhatIf {
  /** Executions that would have been requested (a debounce window still open counts as one). */
  runs: number;
  throttled: number;
  debounced: number;
  deduplicated: number;
  /** The decision per event, in the order given. */
  decisions: FlowDecision[];
}

/**
 * What flow control would have decided over these matched events, oldest first, using their
 * `occurred_at` as the clock. Only the last event of a debounce window runs.
 */
export function simulateFlow(flow: FlowControl | null | undefined, events: readonly { at: number; scope: object }[]): FlowWhatIf {
  const decisions: FlowDecision[] = [];
  const dedupe = new Map<string, number>();
  const throttle = new Map<string, number[]>();
  const debounce = new Map<string, { first: number; last: number; index: number }>();
  for (const [i, e] of events.entries()) {
    if (flow?.dedupe) {
      const k = flowKey(flow.dedupe.key, e.scope);
      const seen = dedupe.get(k);
      if (seen !== undefined && e.at - seen < flow.dedupe.window) {
        decisions.push('deduplicated');
        continue;
      }
      dedupe.set(k, e.at);
    }
    if (flow?.throttle) {
      const { limit, per } = flow.throttle;
      const k = flowKey(flow.throttle.key, e.scope);
      const counted = (throttle.get(k) ?? []).filter((t) => e.at - t < per);
      throttle.set(k, counted);
      if (counted.length >= limit) {
        decisions.push('throttled');
        continue;
      }
      counted.push(e.at);
    }
    if (flow?.debounce) {
      const { wait, max_wait: maxWait } = flow.debounce;
      const k = flowKey(flow.debounce.key, e.scope);
      const open = debounce.get(k);
      if (open && e.at - open.last < wait && (maxWait === undefined || e.at - open.first < maxWait)) {
        decisions[open.index] = 'debounced';
        debounce.set(k, { first: open.first, last: e.at, index: i });
      } else debounce.set(k, { first: e.at, last: e.at, index: i });
    }
    decisions.push('run');
  }
  const count = (d: FlowDecision) => decisions.filter((x) => x === d).length;
  return { runs: count('run'), throttled: count('throttled'), debounced: count('debounced'), deduplicated: count('deduplicated'), decisions };
}
