/** The what-if of rule flow control (pure) and the schema's refusal of throttle with debounce. */
import { describe, expect, it } from 'vitest';
import { flowControlSchema } from '../../src/domain/policy-schema.ts';
import { simulateFlow } from '../../src/rules/flow-control.ts';

const ev = (at: number, host: string, id = 0) => ({ at, scope: { trigger: { host, id } } });

describe('simulateFlow', () => {
  it('runs everything without flow control', () => {
    expect(simulateFlow(null, [ev(0, 'a'), ev(1, 'a')])).toMatchObject({ runs: 2, decisions: ['run', 'run'] });
  });
  it('throttles per key and lets a key run again once its window slid', () => {
    const flow = flowControlSchema.parse({ throttle: { limit: 1, per: '1s', key: '{{ trigger.host }}' } });
    const r = simulateFlow(flow, [ev(0, 'a'), ev(10, 'b'), ev(500, 'a'), ev(1000, 'a')]);
    expect(r.decisions).toEqual(['run', 'run', 'throttled', 'run']);
    expect(r).toMatchObject({ runs: 3, throttled: 1 });
  });
  it('dedupes the same key within the window, counted from the first', () => {
    const flow = flowControlSchema.parse({ dedupe: { window: '1s', key: '{{ trigger.id }}' } });
    expect(simulateFlow(flow, [ev(0, 'a', 1), ev(1, 'a', 2), ev(999, 'a', 1), ev(1000, 'a', 1)]).decisions).toEqual(['run', 'run', 'deduplicated', 'run']);
  });
  it('debounces a burst into its last event, closes on quiet and on max_wait', () => {
    const flow = flowControlSchema.parse({ debounce: { wait: '100ms', max_wait: '250ms' } });
    const r = simulateFlow(flow, [ev(0, 'a'), ev(50, 'a'), ev(120, 'a'), ev(400, 'a'), ev(450, 'a'), ev(540, 'a'), ev(630, 'a'), ev(700, 'a')]);
    expect(r.decisions).toEqual(['debounced', 'debounced', 'run', 'debounced', 'debounced', 'debounced', 'run', 'run']);
    expect(r).toMatchObject({ runs: 3, debounced: 5 });
  });
});

describe('flow schema', () => {
  it('refuses throttle with debounce, naming debounce', () => {
    const r = flowControlSchema.safeParse({ throttle: { limit: 1, per: '1m' }, debounce: { wait: '1s' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['debounce']);
  });
});
