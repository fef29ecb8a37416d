/**
 * The enforcer's pure planner (src/rules/enforcement-plan.ts): which rules an event triggers and
 * the execution each one requests. The enforcer hands it only enabled rules of the events'
 * triggers (its SQL filters `enabled`), so disabled rules never reach it.
 */
import { describe, expect, it } from 'vitest';
import type { ParametersSpec } from '../../src/actions/parameters.ts';
import { planEnforcements, type PlannedEnforcement, type RuleRow, type StoredEvent } from '../../src/rules/enforcement-plan.ts';

function event(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 'ev-1',
    trigger_ref: 'core.webhook',
    trigger_instance_id: null,
    payload: { level: 'high', host: 'web-1', count: 3 },
    trace: 'trace-1',
    occurred_at: new Date('2024-05-06T07:08:09.000Z'),
    ...over,
  };
}

function rule(over: Partial<RuleRow> = {}): RuleRow {
  return {
    id: 1,
    ref: 'ops.page',
    pack: 'ops',
    trigger_ref: 'core.webhook',
    trigger_instance_id: null,
    criteria: {},
    action_ref: 'core.echo',
    action_params: { message: 'hi' },
    ...over,
  };
}

const param = (p: Partial<ParametersSpec[string]> = {}): ParametersSpec[string] => ({ type: 'string', required: false, secret: false, ...p });

const specs = new Map<string, ParametersSpec>([
  ['core.echo', { message: param({ required: true }) }],
  ['core.http', { url: param({ required: true }), method: param({ default: 'GET', enum: ['GET', 'POST'] }), retries: param({ type: 'integer', default: 0 }) }],
  ['core.noop', {}],
]);

/** The plan entry for `rule` and `event` (the fields that pass through unchanged). */
function planned(r: RuleRow, e: StoredEvent, rest: Pick<PlannedEnforcement, 'parameters' | 'error'>): PlannedEnforcement {
  return { ruleId: r.id, ruleRef: r.ref, eventId: e.id, trace: e.trace, actionRef: r.action_ref, ...rest };
}

const plan = (events: StoredEvent[], rules: RuleRow[], system: Record<string, unknown> = { namespace: 'test' }) =>
  planEnforcements(events, rules, specs, system);

describe('which rules an event triggers', () => {
  const cases: [string, Partial<StoredEvent>, Partial<RuleRow>, boolean][] = [
    ['same trigger, no criteria', {}, {}, true],
    ['another trigger', {}, { trigger_ref: 'core.intervaltimer' }, false],
    ['rule without instance, event from an instance', { trigger_instance_id: 7 }, {}, true],
    ['rule bound to the event’s instance', { trigger_instance_id: 7 }, { trigger_instance_id: 7 }, true],
    ['rule bound to another instance', { trigger_instance_id: 8 }, { trigger_instance_id: 7 }, false],
    ['rule bound to an instance, event from none', {}, { trigger_instance_id: 7 }, false],
    ['criteria that match', {}, { criteria: { 'payload.level': { type: 'equals', pattern: 'high' } } }, true],
    ['criteria that do not match', {}, { criteria: { 'payload.level': { type: 'equals', pattern: 'low' } } }, false],
    ['criteria on a missing key', {}, { criteria: { 'payload.nope': { type: 'exists' } } }, false],
    ['criteria on the event id', {}, { criteria: { 'event.id': { type: 'equals', pattern: 'ev-1' } } }, true],
    [
      'criteria on occurred_at (a Date, compared as ISO text)',
      {},
      { criteria: { 'event.occurred_at': { type: 'startswith', pattern: '2024-05-06T07:08:09' } } },
      true,
    ],
    [
      'criteria on occurred_at given as text',
      { occurred_at: '2024-05-06T07:08:09+02:00' },
      { criteria: { 'event.occurred_at': { type: 'endswith', pattern: '+02:00' } } },
      true,
    ],
    ['invalid criteria (unknown operator) never match', {}, { criteria: { 'payload.level': { type: 'bogus', pattern: 'high' } } }, false],
    ['invalid criteria under `not` never match either', {}, { criteria: { not: { 'payload.level': { type: 'bogus' } } } }, false],
  ];
  it.each(cases)('%s', (_name, ev, r, matches) => {
    const e = event(ev);
    const ru = rule(r);
    expect(plan([e], [ru])).toEqual(matches ? [planned(ru, e, { parameters: { message: 'hi' }, error: null })] : []);
  });

  it('plans one entry per matching (event, rule), events outer, rules in the given order', () => {
    const e1 = event({ id: 'ev-1', trace: 't1', payload: { level: 'high' } });
    const e2 = event({ id: 'ev-2', trace: 't2', payload: { level: 'low' } });
    const e3 = event({ id: 'ev-3', trace: 't3', trigger_ref: 'core.other', payload: { level: 'high' } });
    const all = rule({ id: 10, ref: 'ops.all' });
    const high = rule({ id: 11, ref: 'ops.high', criteria: { 'payload.level': { type: 'eq', pattern: 'high' } } });
    const other = rule({ id: 12, ref: 'ops.other', trigger_ref: 'core.other' });
    const ok = { parameters: { message: 'hi' }, error: null };
    expect(plan([e1, e2, e3], [high, all, other])).toEqual([planned(high, e1, ok), planned(all, e1, ok), planned(all, e2, ok), planned(other, e3, ok)]);
  });

  it('plans nothing without events or without rules', () => {
    expect(plan([], [rule()])).toEqual([]);
    expect(plan([event()], [])).toEqual([]);
  });
});

describe('the parameters each execution gets', () => {
  const cases: [string, Partial<RuleRow>, Pick<PlannedEnforcement, 'parameters' | 'error'>][] = [
    ['plain values pass through', {}, { parameters: { message: 'hi' }, error: null }],
    [
      'a lone output keeps its JSON type',
      { action_ref: 'core.http', action_params: { url: 'http://x', retries: '{{ payload.count }}' } },
      { parameters: { url: 'http://x', method: 'GET', retries: 3 }, error: null },
    ],
    [
      'templates see event, rule, system and payload/trigger',
      {
        action_params: {
          message:
            '{{ event.id }} {{ event.trigger }} {{ event.occurred_at }} {{ rule.ref }} {{ rule.pack }} {{ system.namespace }} {{ payload.host }} {{ trigger.level }}',
        },
      },
      { parameters: { message: 'ev-1 core.webhook 2024-05-06T07:08:09.000Z ops.page ops test web-1 high' }, error: null },
    ],
    [
      'defaults of the action are applied',
      { action_ref: 'core.http', action_params: { url: 'http://x' } },
      { parameters: { url: 'http://x', method: 'GET', retries: 0 }, error: null },
    ],
    [
      'a missing required parameter fails the plan, keeping the rendered values',
      { action_params: {} },
      { parameters: {}, error: 'parameter "message" is required' },
    ],
    [
      'every problem is named, joined with "; "',
      { action_ref: 'core.http', action_params: { method: 'PUT', retries: '{{ payload.host }}', extra: 1 } },
      {
        parameters: { method: 'PUT', retries: 'web-1', extra: 1 },
        error:
          'parameter "url" is required; parameter "method" must be one of "GET", "POST"; parameter "retries" must be of type integer, got string; unknown parameter "extra"',
      },
    ],
    [
      'a rendered value of the wrong type fails the plan',
      { action_params: { message: '{{ payload.count }}' } },
      { parameters: { message: 3 }, error: 'parameter "message" must be of type string, got number' },
    ],
    [
      'an action that does not exist fails the plan, keeping the rendered values',
      { action_ref: 'ops.gone', action_params: { message: '{{ payload.host }}' } },
      { parameters: { message: 'web-1' }, error: 'action "ops.gone" does not exist' },
    ],
    ['an action without parameters takes none', { action_ref: 'core.noop', action_params: {} }, { parameters: {}, error: null }],
  ];
  it.each(cases)('%s', (_name, r, expected) => {
    const e = event();
    const ru = rule(r);
    expect(plan([e], [ru])).toEqual([planned(ru, e, expected)]);
  });

  it('a template that cannot be rendered fails the plan with no parameters, naming the rule and the parameter', () => {
    const e = event();
    const ru = rule({ action_params: { message: '{{ payload.host | nosuchfilter }}' } });
    expect(plan([e], [ru])).toEqual([
      planned(ru, e, { parameters: {}, error: expect.stringMatching(/^rule "ops\.page": parameter "message": undefined filter: nosuchfilter/) }),
    ]);
  });

  it('a failed plan does not stop the others in the batch', () => {
    const e = event();
    const broken = rule({ id: 1, ref: 'ops.broken', action_params: { message: '{{ x | nosuchfilter }}' } });
    const fine = rule({ id: 2, ref: 'ops.fine' });
    const out = plan([e], [broken, fine]);
    expect(out.map((p) => [p.ruleRef, p.error === null])).toEqual([
      ['ops.broken', false],
      ['ops.fine', true],
    ]);
  });

  it('leaves its inputs as they were', () => {
    const e = event();
    const ru = rule({ action_ref: 'core.http', action_params: { url: '{{ payload.host }}', nested: { list: ['{{ payload.count }}'] } } });
    const before = structuredClone({ e, ru });
    plan([e], [ru]);
    expect({ e, ru }).toEqual(before);
  });
});
