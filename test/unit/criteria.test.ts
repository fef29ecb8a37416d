import { describe, it, expect } from 'vitest';
import { criteriaSchema, matchCriteria, validateCriteria, type Criteria, type CriteriaEvent } from '../../src/rules/criteria.ts';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const MISSING = Symbol('missing');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();

function event(payload: Record<string, unknown>): CriteriaEvent {
  return { id: 'ev-1', trigger: 'monitoring.alert', payload, occurredAt: ago(5) };
}

/** Evaluates `{ payload.v: { type, pattern } }` against a payload whose `v` is `value`. */
function check(type: string, pattern: unknown, value: unknown): boolean {
  const criterion = pattern === MISSING ? { type } : { type, pattern };
  const criteria = { 'payload.v': criterion } as Criteria;
  return matchCriteria(criteria, event(value === MISSING ? {} : { v: value }), NOW);
}

interface Row {
  type: string;
  pattern: unknown;
  value: unknown;
  expected: boolean;
}
const row = (type: string, value: unknown, pattern: unknown, expected: boolean): Row => ({ type, pattern, value, expected });

// Rows are (operator, payload value, pattern, expected), as st2's operator(value, pattern)
const operatorRows: Record<string, Row[]> = {
  equals: [
    row('equals', 1, 1, true),
    row('equals', '1', '1', true),
    row('equals', '', '', true),
    row('equals', '1', '2', false),
    row('equals', 1, '1', false),
    row('equals', 1.0, 1, true),
    row('equals', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true),
    row('equals', [1, 2], [2, 1], false),
    row('equals', true, 1, false),
    row('equals', null, null, false),
    row('equals', MISSING, 'x', false),
    row('eq', 'critical', 'critical', true),
    row('EQUALS', 'critical', 'critical', true),
  ],
  nequals: [
    row('nequals', 'foo', 'bar', true),
    row('nequals', 'foo', 'foo1', true),
    row('nequals', 'foo', 'FOO', true),
    row('nequals', 'True', true, true),
    row('nequals', 'None', null, true),
    row('nequals', 'True', 'True', false),
    row('nequals', null, null, false),
    row('nequals', MISSING, 'x', true),
    row('nequals', MISSING, null, false),
    row('nequals', { a: 1 }, { a: 1 }, false),
    row('neq', 1, 2, true),
    row('ne', 1, 1, false),
  ],
  iequals: [
    row('iequals', 'ABC', 'ABC', true),
    row('iequals', 'ABC', 'abc', true),
    row('iequals', 'AbC', 'aBc', true),
    row('iequals', 'ABC', 'BCA', false),
    row('iequals', 1, '1', false),
    row('iequals', ['abc'], 'abc', false),
    row('iequals', MISSING, 'abc', false),
    row('ieq', 'Critical', 'CRITICAL', true),
  ],
  contains: [
    row('contains', 'hasystack needle haystack', 'needle', true),
    row('contains', 'needle', 'needle', true),
    row('contains', 'needlehaystack', 'needle', true),
    row('contains', 'haystackneedle', 'needle', true),
    row('contains', 'hasystack needl haystack', 'needle', false),
    row('contains', 'needla', 'needle', false),
    row('contains', 'Needle', 'needle', false),
    row('contains', ['a', 'b'], 'a', true),
    row('contains', [1, 2], 2, true),
    row('contains', [1, 2], '2', false),
    row('contains', [{ a: 1 }], { a: 1 }, true),
    row('contains', { needle: 1 }, 'needle', true),
    row('contains', { key: 'needle' }, 'needle', false),
    row('contains', 5, '5', false),
    row('contains', '123', 1, false),
    row('contains', null, 'x', false),
    row('contains', MISSING, 'x', false),
  ],
  ncontains: [
    row('ncontains', 'hasystack needle haystack', 'foo', true),
    row('ncontains', 'needlehaystack', 'needlex', true),
    row('ncontains', 'hasystack needle haystack', 'needle', false),
    row('ncontains', 'needla', 'needla', false),
    row('ncontains', ['a'], 'b', true),
    row('ncontains', ['a'], 'a', false),
    row('ncontains', { a: 1 }, 5, true),
    row('ncontains', { a: 1 }, [1], false),
    row('ncontains', '123', 1, false),
    row('ncontains', MISSING, 'x', false),
    row('ncontains', null, 'x', false),
  ],
  icontains: [
    row('icontains', 'hasystack nEEdle haystack', 'needle', true),
    row('icontains', 'neeDle', 'NeedlE', true),
    row('icontains', 'haystack needle', 'NEEDLE', true),
    row('icontains', 'hasystack needl haystack', 'needle', false),
    row('icontains', ['Needle'], 'needle', false),
    row('icontains', MISSING, 'needle', false),
  ],
  incontains: [
    row('incontains', 'hasystack needle haystack', 'FOO', true),
    row('incontains', 'needle haystack', 'needlex', true),
    row('incontains', 'hasystack needle haystack', 'nEeDle', false),
    row('incontains', 'needlA', 'needlA', false),
    row('incontains', MISSING, 'x', false),
    row('incontains', 12, 'x', false),
  ],
  startswith: [
    row('startswith', 'hasystack needle haystack', 'hasystack', true),
    row('startswith', 'a hasystack needle haystack', 'a ', true),
    row('startswith', 'hasystack needle haystack', 'needle', false),
    row('startswith', 'Hasystack', 'hasystack', false),
    row('startswith', 123, '1', false),
    row('startswith', MISSING, 'a', false),
  ],
  istartswith: [
    row('istartswith', 'haystack needle haystack', 'HAYstack', true),
    row('istartswith', 'HAYSTACK needle haystack', 'haystack', true),
    row('istartswith', 'hasystack needle haystack', 'NEEDLE', false),
    row('istartswith', MISSING, 'a', false),
  ],
  endswith: [
    row('endswith', 'hasystack needle haystackend', 'haystackend', true),
    row('endswith', 'a hasystack needle haystack b', 'b', true),
    row('endswith', 'hasystack needle haystackend', 'haystack', false),
    row('endswith', 'a hasystack needle haystack', 'a', false),
    row('endswith', ['b'], 'b', false),
  ],
  iendswith: [
    row('iendswith', 'haystack needle haystackEND', 'HAYstackend', true),
    row('iendswith', 'HAYSTACK needle haystackend', 'haystackEND', true),
    row('iendswith', 'hasystack needle haystack', 'NEEDLE', false),
    row('iendswith', MISSING, 'x', false),
  ],
  lessthan: [
    row('lessthan', 1, 2, true),
    row('lessthan', 'a', 'b', true),
    row('lessthan', 'aba', 'bcb', true),
    row('lessthan', 1, 1, false),
    row('lessthan', 2.5, 3, true),
    row('lessthan', '10', 9, false),
    row('lessthan', 5, '10', false),
    row('lessthan', null, 3, false),
    row('lessthan', MISSING, 3, false),
    row('lessthan', [1, 2], [1, 3], true),
    row('lessthan', [1, 2], [1, 2, 0], true),
    row('lessthan', [1, 'a'], [1, 2], false),
    row('lessthan', { a: 1 }, { a: 2 }, false),
    row('lessthan', true, 2, false),
    row('lt', 1, 2, true),
  ],
  greaterthan: [
    row('greaterthan', 2, 1, true),
    row('greaterthan', 2, 3, false),
    row('greaterthan', 2, 2, false),
    row('greaterthan', 'b', 'a', true),
    row('greaterthan', '5', 3, false),
    row('greaterthan', MISSING, 3, false),
    row('gt', 4, 3, true),
  ],
  lessthanorequal: [
    row('lessthanorequal', 1, 1, true),
    row('lessthanorequal', 0, 1, true),
    row('lessthanorequal', 2, 1, false),
    row('lessthanorequal', '1', 1, false),
    row('lte', 'a', 'a', true),
  ],
  greaterthanorequal: [
    row('greaterthanorequal', 1, 1, true),
    row('greaterthanorequal', 0, 1, false),
    row('greaterthanorequal', MISSING, 0, false),
    row('gte', 3, 2, true),
  ],
  matchwildcard: [
    row('matchwildcard', 'web-01', 'web-*', true),
    row('matchwildcard', 'WEB-01', 'web-*', false),
    row('matchwildcard', 'db-web-01', 'web-*', false),
    row('matchwildcard', 'web-1', 'web-?', true),
    row('matchwildcard', 'web-12', 'web-?', false),
    row('matchwildcard', 'bx', '[abc]x', true),
    row('matchwildcard', 'bx', '[!abc]x', false),
    row('matchwildcard', 'dx', '[!abc]x', true),
    row('matchwildcard', 'b', '[a-c]', true),
    row('matchwildcard', 'b', '[z-a]', false),
    row('matchwildcard', 'b', '[!z-a]', true),
    row('matchwildcard', 'a\nb', '*', true),
    row('matchwildcard', '[a', '[a', true),
    row('matchwildcard', ']', '[]]', true),
    row('matchwildcard', '^', '[^a]', true),
    row('matchwildcard', '-', '[a-]', true),
    row('matchwildcard', 'axb', 'a.b', false),
    row('matchwildcard', 'a+b', 'a+b', true),
    row('matchwildcard', '(x)', '(x)', true),
    row('matchwildcard', 'x\\y', 'x[\\]y', true),
    row('matchwildcard', '😀', '?', true),
    row('matchwildcard', '*', '[*]', true),
    row('matchwildcard', 'ab', 'a', false),
    row('matchwildcard', 123, '1*', false),
    row('matchwildcard', MISSING, '*', false),
  ],
  regex: [
    row('regex', 'v1', 'v1$', true),
    row('regex', 'xabcx', 'abc', true),
    row('regex', 'xabc', '^abc', false),
    row('regex', 'v1\n', 'v1$', true),
    row('regex', 'v1\n\n', 'v1$', false),
    row('regex', 'a\nc', 'a.c', false),
    row('regex', 'a\nc', '(?s)a.c', true),
    row('regex', 'ABC', 'abc', false),
    row('regex', '٣', '^\\d$', true),
    row('regex', 'éfoo', '\\bfoo', false),
    row('regex', 'aa', '(?P<x>a)(?P=x)', true),
    row('regex', 'ab\n', '\\Aab\\Z', false),
    row('regex', 'xxy', '^x{,2}y$', true),
    row('regex', 'a{', 'a{', true),
    row('regex', 'a\nb\nc', '(?m)^b$', true),
    row('regex', 123, '\\d', false),
    row('regex', MISSING, '.*', false),
  ],
  iregex: [row('iregex', 'xABCx', 'abc', true), row('iregex', 'ABC', '^abc$', true), row('iregex', 'ABD', '^abc$', false), row('iregex', MISSING, 'a', false)],
  matchregex: [
    row('matchregex', 'v1', 'v1$', true),
    row('matchregex', 'v1_foo', 'v1$', false),
    row('matchregex', 'xabc', 'abc', false),
    row('matchregex', 'abcdef', 'abc', true),
    row('matchregex', 'a\nc', 'a.c', true),
    row('MATCHREGEX', 'v1', 'v1$', true),
    row('MATCHregex', 'v1', 'v1$', true),
  ],
  exists: [
    row('exists', false, MISSING, true),
    row('exists', 1, MISSING, true),
    row('exists', 0, MISSING, true),
    row('exists', '', MISSING, true),
    row('exists', 'foo', MISSING, true),
    row('exists', null, MISSING, false),
    row('exists', MISSING, MISSING, false),
  ],
  nexists: [
    row('nexists', false, MISSING, false),
    row('nexists', 1, MISSING, false),
    row('nexists', 'foo', MISSING, false),
    row('nexists', null, MISSING, true),
    row('nexists', MISSING, MISSING, true),
  ],
  inside: [
    row('inside', 'a', ['a', 'b'], true),
    row('inside', 'c', ['a', 'b'], false),
    row('inside', 'ell', 'hello', true),
    row('inside', 5, 'hello', false),
    row('inside', 'k', { k: 1 }, true),
    row('inside', { a: 1 }, [{ a: 1 }], true),
    row('inside', MISSING, ['a'], false),
    row('inside', MISSING, [null], true),
    row('in', 2, [1, 2, 3], true),
  ],
  ninside: [
    row('ninside', 'c', ['a', 'b'], true),
    row('ninside', 'a', ['a'], false),
    row('ninside', MISSING, ['a'], true),
    row('ninside', MISSING, 'abc', false),
    row('ninside', 'x', 'abc', true),
    row('nin', 4, [1, 2, 3], true),
  ],
  timediff_lt: [
    row('timediff_lt', ago(5), 10, true),
    row('timediff_lt', ago(15), 10, false),
    row('timediff_lt', '2014-07-01T00:01:01.000000', 10, false),
    row('timediff_lt', '2024-06-01T11:59:55', 10, true),
    row('timediff_lt', '2024-06-01 11:59:55.123456', 10, true),
    row('timediff_lt', '2024-06-01T13:59:55+02:00', 10, true),
    row('timediff_lt', '2024-06-01T07:59:55-0400', 10, true),
    row('timediff_lt', 'yesterday', 10, false),
    row('timediff_lt', '2024-02-30T00:00:00Z', 1e12, false),
    row('timediff_lt', 1717243195, 10, false),
    row('timediff_lt', MISSING, 10, false),
    row('timediff_lt', ago(5), '10', false),
    row('td_lt', ago(5), 10, true),
  ],
  timediff_gt: [
    row('timediff_gt', '2014-07-01T00:01:01.000000', 1, true),
    row('timediff_gt', ago(5), 10, false),
    row('timediff_gt', ago(10), 10, false),
    row('timediff_gt', ago(11), 10, true),
    row('timediff_gt', MISSING, 1, false),
    row('td_gt', ago(60), 30, true),
  ],
};

describe('criteria operators (StackStorm semantics)', () => {
  for (const [operator, rows] of Object.entries(operatorRows)) {
    describe(operator, () => {
      it.each(rows)('$type: value $value, pattern $pattern → $expected', ({ type, pattern, value, expected }) => {
        expect(check(type, pattern, value)).toBe(expected);
      });
    });
  }
});

describe('search operator', () => {
  const fields = [
    { field_name: 'Status', to_value: 'Approved' },
    { field_name: 'Assignee', to_value: 'Stanley' },
  ];
  const search = (condition: string, pattern: Record<string, unknown>, list: unknown = fields): boolean =>
    matchCriteria({ 'trigger.fields': { type: 'search', condition, pattern } }, event({ fields: list }), NOW);
  const statusApproved = {
    'item.field_name': { type: 'equals', pattern: 'Status' },
    'item.to_value': { type: 'equals', pattern: 'Approved' },
  };
  const statusOrStanley = {
    'item.field_name': { type: 'equals', pattern: 'Status' },
    'item.to_value': { type: 'equals', pattern: 'Stanley' },
  };
  const statusOrNobody = {
    'item.field_name': { type: 'equals', pattern: 'Status' },
    'item.to_value': { type: 'equals', pattern: 'Nobody' },
  };
  const everyItemHasValue = { 'item.to_value': { type: 'exists' } };

  it.each([
    ['any', statusApproved, fields, true],
    ['all', statusApproved, fields, false],
    ['all', everyItemHasValue, fields, true],
    ['any', statusOrStanley, fields, false],
    ['any2any', statusOrStanley, fields, true],
    ['any2any', { 'item.field_name': { type: 'equals', pattern: 'X' } }, fields, false],
    ['all2any', statusOrStanley, fields, true],
    ['all2any', statusOrNobody, fields, false],
    ['any', everyItemHasValue, [], false],
    ['all', everyItemHasValue, [], true],
    ['any2any', everyItemHasValue, [], false],
    ['all2any', everyItemHasValue, [], true],
    ['any', everyItemHasValue, 'not a list', false],
    ['any', everyItemHasValue, { to_value: 1 }, false],
    ['all', everyItemHasValue, null, false],
    ['any', { item: { type: 'equals', pattern: 'b' } }, ['a', 'b'], true],
    ['all', { item: { type: 'matchwildcard', pattern: 'web-*' } }, ['web-1', 'db-1'], false],
  ])('%s with %j over %j → %s', (condition, pattern, list, expected) => {
    expect(search(condition, pattern, list)).toBe(expected);
  });

  it('is false for a missing list and an unknown condition', () => {
    expect(matchCriteria({ 'payload.nope': { type: 'search', condition: 'any', pattern: everyItemHasValue } }, event({}), NOW)).toBe(false);
    expect(search('some', statusApproved)).toBe(false);
  });

  it('nests: a search inside a search pattern, and groups inside a pattern', () => {
    const hosts = [
      { name: 'web-1', checks: [{ ok: true }, { ok: false }] },
      { name: 'web-2', checks: [{ ok: true }] },
    ];
    const nested = (condition: string): boolean =>
      matchCriteria(
        {
          'payload.hosts': {
            type: 'search',
            condition,
            pattern: {
              'item.checks': { type: 'search', condition: 'all', pattern: { 'item.ok': { type: 'equals', pattern: true } } },
              or: [{ 'item.name': { type: 'equals', pattern: 'web-2' } }, { 'payload.env': { type: 'equals', pattern: 'prod' } }],
            },
          },
        },
        event({ hosts, env: 'dev' }),
        NOW,
      );
    expect(nested('any')).toBe(true);
    expect(nested('all')).toBe(false);
  });
});

describe('groups: or / and / not', () => {
  const p = { severity: 'critical', host: 'web-01', count: 4 };
  it.each<[string, Record<string, unknown>, boolean]>([
    ['empty criteria', {}, true],
    ['or: one branch matches', { or: [{ 'payload.a': { type: 'exists' } }, { 'payload.count': { type: 'gt', pattern: 3 } }] }, true],
    ['or: no branch matches', { or: [{ 'payload.a': { type: 'exists' } }, { 'payload.count': { type: 'gt', pattern: 9 } }] }, false],
    ['or: empty list', { or: [] }, false],
    ['and: all match', { and: [{ 'payload.host': { type: 'startswith', pattern: 'web' } }, { 'payload.count': { type: 'lt', pattern: 5 } }] }, true],
    ['and: one fails', { and: [{ 'payload.host': { type: 'startswith', pattern: 'db' } }, { 'payload.count': { type: 'lt', pattern: 5 } }] }, false],
    ['and: empty list', { and: [] }, true],
    ['not', { not: { 'payload.severity': { type: 'equals', pattern: 'info' } } }, true],
    ['not of a match', { not: { 'payload.severity': { type: 'equals', pattern: 'critical' } } }, false],
    ['not of a type mismatch', { not: { 'payload.severity': { type: 'lt', pattern: 3 } } }, true],
    [
      'top-level keys and groups all apply',
      { 'payload.severity': { type: 'equals', pattern: 'critical' }, not: { 'payload.host': { type: 'matchwildcard', pattern: 'db-*' } } },
      true,
    ],
    ['nested groups', { or: [{ and: [{ 'payload.count': { type: 'gte', pattern: 4 } }, { not: { 'payload.x': { type: 'exists' } } }] }] }, true],
  ])('%s', (_name, criteria, expected) => {
    expect(matchCriteria(criteria as Criteria, event(p), NOW)).toBe(expected);
  });
});

describe('criterion keys', () => {
  const ev: CriteriaEvent = {
    id: 'ev-42',
    trigger: 'monitoring.alert',
    payload: { alert: { severity: 'critical', tags: ['a', 'b'], 'x-y': 1 }, list: [{ n: 1 }, { n: 2 }] },
    occurredAt: ago(5),
  };
  it.each<[string, string, unknown, boolean]>([
    ['trigger.alert.severity', 'equals', 'critical', true],
    ['payload.alert.severity', 'equals', 'critical', true],
    ['payload.alert.tags.1', 'equals', 'b', true],
    ['payload.alert.tags[0]', 'equals', 'a', true],
    ['payload.alert.tags[5]', 'nexists', undefined, true],
    ["payload.alert['x-y']", 'equals', 1, true],
    ['payload.alert["x-y"]', 'equals', 1, true],
    ['payload.list[1].n', 'equals', 2, true],
    ['payload.list.n', 'nexists', undefined, true],
    ['payload.alert.severity#first', 'equals', 'critical', true],
    ['payload.alert.severity.length', 'nexists', undefined, true],
    ['payload.constructor', 'nexists', undefined, true],
    ['payload.alert.toString', 'exists', undefined, false],
    ['event.id', 'equals', 'ev-42', true],
    ['event.trigger', 'startswith', 'monitoring.', true],
    ['event.occurred_at', 'timediff_lt', 10, true],
    ['event.occurredAt', 'timediff_gt', 10, false],
    ['payload', 'contains', 'alert', true],
  ])('%s %s %j → %s', (key, type, pattern, expected) => {
    const criterion = pattern === undefined ? { type } : { type, pattern };
    expect(matchCriteria({ [key]: criterion }, ev, NOW)).toBe(expected);
  });

  it('tags let one key carry several criteria', () => {
    const criteria = {
      'payload.alert.severity#1': { type: 'startswith', pattern: 'crit' },
      'payload.alert.severity#2': { type: 'endswith', pattern: 'ical' },
    };
    expect(matchCriteria(criteria, ev, NOW)).toBe(true);
  });
});

describe('matchCriteria robustness', () => {
  const ev = event({ v: 'x' });
  it.each<[string, unknown, boolean]>([
    ['undefined criteria matches everything', undefined, true],
    ['null criteria matches everything', null, true],
    ['a string is not criteria', 'payload.v', false],
    ['a list is not criteria', [{ 'payload.v': { type: 'exists' } }], false],
    ['criterion that is not an object', { 'payload.v': 'exists' }, false],
    ['criterion without a type', { 'payload.v': { pattern: 'x' } }, false],
    ['unknown operator', { 'payload.v': { type: 'equalz', pattern: 'x' } }, false],
    ['operator named like an Object method', { 'payload.v': { type: 'toString', pattern: 'x' } }, false],
    ['operator named constructor', { 'payload.v': { type: 'constructor', pattern: 'x' } }, false],
    ['operator named __proto__', { 'payload.v': { type: '__proto__', pattern: 'x' } }, false],
    ['invalid regex', { 'payload.v': { type: 'regex', pattern: '(' } }, false],
    ['invalid criterion under not', { not: { 'payload.v': { type: 'equalz', pattern: 'y' } } }, false],
    ['unknown root', { 'foo.v': { type: 'nexists' } }, false],
    ['or that is not a list', { or: { 'payload.v': { type: 'exists' } } }, false],
    ['search without a pattern', { 'payload.v': { type: 'search', condition: 'any' } }, false],
  ])('%s', (_name, criteria, expected) => {
    expect(() => matchCriteria(criteria as Criteria, ev, NOW)).not.toThrow();
    expect(matchCriteria(criteria as Criteria, ev, NOW)).toBe(expected);
  });

  it('defaults now to the current time', () => {
    const fresh = { id: 'e', trigger: 't', payload: { at: new Date().toISOString() }, occurredAt: '' };
    expect(matchCriteria({ 'payload.at': { type: 'timediff_lt', pattern: 60 } }, fresh)).toBe(true);
  });

  it('gives the same answer from its compiled cache', () => {
    const criteria: Criteria = { 'payload.v': { type: 'iregex', pattern: '^X$' } };
    expect(matchCriteria(criteria, event({ v: 'x' }), NOW)).toBe(true);
    expect(matchCriteria(criteria, event({ v: 'y' }), NOW)).toBe(false);
    expect(matchCriteria(criteria, event({ v: 'X' }), NOW)).toBe(true);
  });

  it('keeps a regex usable after a failed anchored match (no lastIndex leak)', () => {
    const criteria: Criteria = { 'payload.v': { type: 'matchregex', pattern: 'ab' } };
    expect(matchCriteria(criteria, event({ v: 'ab-ab' }), NOW)).toBe(true);
    expect(matchCriteria(criteria, event({ v: 'xab' }), NOW)).toBe(false);
    expect(matchCriteria(criteria, event({ v: 'ab' }), NOW)).toBe(true);
  });
});

describe('validateCriteria', () => {
  it.each<[string, unknown]>([
    ['no criteria', undefined],
    ['empty', {}],
    [
      'the documented example',
      {
        'trigger.alert.severity': { type: 'equals', pattern: 'critical' },
        'payload.host': { type: 'matchwildcard', pattern: 'web-*' },
        or: [{ 'payload.a': { type: 'exists' } }, { 'payload.b': { type: 'greaterthan', pattern: 3 } }],
      },
    ],
    [
      'aliases and upper-case operators',
      { 'payload.a': { type: 'EQ', pattern: 1 }, 'payload.b': { type: 'td_lt', pattern: 5 }, 'payload.c': { type: 'nin', pattern: [1] } },
    ],
    ['nequals with a null pattern', { 'payload.a': { type: 'nequals', pattern: null } }],
    ['search', { 'payload.l': { type: 'search', condition: 'all2any', pattern: { 'item.x': { type: 'exists' }, item: { type: 'ne', pattern: 0 } } } }],
    ['python regex syntax', { 'payload.a': { type: 'regex', pattern: '^(?P<host>[\\w-]+)\\.example\\.com\\Z' } }],
  ])('accepts %s', (_name, criteria) => {
    expect(validateCriteria(criteria)).toEqual([]);
  });

  it.each<[string, unknown, string | RegExp]>([
    [
      'unknown operator',
      { 'payload.x': { type: 'equalz', pattern: 1 } },
      /^criterion "payload\.x": unknown operator "equalz" \(valid: equals, nequals, .*matchwildcard, regex, .*search\)$/,
    ],
    ['invalid regex', { 'payload.x': { type: 'regex', pattern: '(unclosed' } }, /^criterion "payload\.x": invalid regular expression "\(unclosed": /],
    ['python-only regex', { 'payload.x': { type: 'iregex', pattern: '(?i:a)' } }, /^criterion "payload\.x": invalid regular expression .*unsupported group/],
    ['an Object method as operator', { 'payload.x': { type: 'hasOwnProperty', pattern: 1 } }, /^criterion "payload\.x": unknown operator "hasOwnProperty"/],
    ['missing pattern', { 'payload.x': { type: 'equals' } }, 'criterion "payload.x": missing pattern (operator "equals" needs one)'],
    ['null pattern', { 'payload.x': { type: 'contains', pattern: null } }, /^criterion "payload\.x": pattern is null/],
    ['regex pattern not a string', { 'payload.x': { type: 'regex', pattern: 5 } }, 'criterion "payload.x": pattern must be a string'],
    ['wildcard pattern not a string', { 'payload.x': { type: 'matchwildcard', pattern: ['a'] } }, 'criterion "payload.x": pattern must be a string'],
    ['timediff pattern not a number', { 'payload.x': { type: 'timediff_lt', pattern: '10' } }, 'criterion "payload.x": pattern must be a number of seconds'],
    ['inside pattern a number', { 'payload.x': { type: 'inside', pattern: 5 } }, 'criterion "payload.x": pattern must be a list, an object or a string'],
    ['criterion not an object', { 'payload.x': 'equals' }, /^criterion "payload\.x": must be an object with "type" and "pattern", got string/],
    ['missing type', { 'payload.x': { pattern: 1 } }, 'criterion "payload.x": missing "type" (the operator)'],
    ['misspelt field', { 'payload.x': { type: 'exists', patern: 1 } }, 'criterion "payload.x": unknown field "patern"'],
    [
      'condition outside search',
      { 'payload.x': { type: 'equals', pattern: 1, condition: 'any' } },
      'criterion "payload.x": "condition" only applies to the search operator',
    ],
    ['unknown key root', { 'host.name': { type: 'exists' } }, 'criterion "host.name": key must start with "trigger.", "payload." or "event."'],
    ['malformed key', { 'payload..x': { type: 'exists' } }, /^criterion "payload\.\.x": malformed key/],
    ['item outside search', { 'item.x': { type: 'exists' } }, 'criterion "item.x": "item." keys only exist inside a search pattern'],
    ['or not a list', { or: { 'payload.a': { type: 'exists' } } }, 'criterion "or": must be a list of criteria objects, got an object'],
    ['not not an object', { not: [] }, 'criteria (in not): must be an object of criteria, got a list'],
    [
      'nested in or',
      { or: [{ 'payload.a': { type: 'exists' } }, { 'payload.b': { type: 'bogus' } }] },
      /^criterion "payload\.b" \(in or\[1\]\): unknown operator "bogus"/,
    ],
    [
      'search condition',
      { 'payload.l': { type: 'search', condition: 'some', pattern: {} } },
      'criterion "payload.l": search needs "condition": any, all, any2any or all2any (got "some")',
    ],
    ['search without condition', { 'payload.l': { type: 'search', pattern: {} } }, /search needs "condition".*\(got none\)/],
    ['search pattern', { 'payload.l': { type: 'search', condition: 'any', pattern: 'x' } }, /^criterion "payload\.l": search needs "pattern"/],
    [
      'inside a search pattern',
      { 'payload.l': { type: 'search', condition: 'any', pattern: { 'item.a': { type: 'regex', pattern: '[' } } } },
      /^criterion "item\.a" \(in payload\.l pattern\): invalid regular expression "\["/,
    ],
    ['criteria not an object', ['payload.x'], 'criteria: must be an object of criteria, got a list'],
  ])('reports %s', (_name, criteria, message) => {
    const problems = validateCriteria(criteria);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('reports every problem, each naming its key', () => {
    const problems = validateCriteria({
      'payload.a': { type: 'equalz', pattern: 1 },
      'payload.b': { type: 'regex', pattern: '(' },
      'payload.c': { type: 'lessthan' },
    });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => /^criterion "([^"]+)"/.exec(p)?.[1])).toEqual(['payload.a', 'payload.b', 'payload.c']);
  });
});

describe('criteriaSchema', () => {
  it.each<[string, unknown, boolean]>([
    [
      'the documented example',
      {
        'trigger.alert.severity': { type: 'equals', pattern: 'critical' },
        or: [{ 'payload.a': { type: 'exists' } }],
        not: { 'payload.b': { type: 'exists' } },
      },
      true,
    ],
    ['a criterion with a misspelt field', { 'payload.a': { type: 'equals', patern: 1 } }, false],
    ['a criterion without a type', { 'payload.a': { pattern: 1 } }, false],
    ['or as an object', { or: { 'payload.a': { type: 'exists' } } }, false],
    ['not as a list', { not: [] }, false],
    ['a nested invalid criterion', { and: [{ 'payload.a': { pattern: 1 } }] }, false],
    ['search with condition', { 'payload.l': { type: 'search', condition: 'any', pattern: { 'item.a': { type: 'exists' } } } }, true],
  ])('%s → %s', (_name, criteria, ok) => {
    expect(criteriaSchema.safeParse(criteria).success).toBe(ok);
  });
});
