/**
 * Holes found by `npm run mutate` (Stryker, 2026-12-01): each test here kills mutants that survived
 * the modules' other unit tests (nested equality, date validation, claim values, the webhook
 * parameter rule; worker selection's in worker-selection.test.ts). See docs/testing.md for the
 * triage of the rest.
 */
import { describe, expect, it } from 'vitest';
import { claimValue, parseClaim, transitionFrom } from '../../src/domain/execution-lifecycle.ts';
import { compileOperator, OPERATORS, parseIsoDate, pyCompare, pyEquals, pyIn } from '../../src/rules/operators.ts';
import { webhookParams } from '../../src/triggers/webhook-params.ts';

describe('claim values', () => {
  it('carry the worker and its life; a value from before lives is the worker alone', () => {
    expect(parseClaim(claimValue('host-1-ab', 'l1x'))).toEqual({ workerId: 'host-1-ab', life: 'l1x' });
    expect(parseClaim(claimValue('a@b', 'l2'))).toEqual({ workerId: 'a@b', life: 'l2' }); // the life is after the last @
    expect(parseClaim('host-1-ab')).toEqual({ workerId: 'host-1-ab', life: null });
    expect(parseClaim('@x')).toEqual({ workerId: '', life: 'x' });
  });

  it('a narrower transition set naming a state the table does not allow throws, naming it', () => {
    expect(() => transitionFrom('scheduled', ['succeeded'])).toThrow('the execution lifecycle does not allow succeeded → scheduled');
    expect(transitionFrom('scheduled', ['requested'])).toEqual(['requested']);
  });
});

describe('criteria value semantics', () => {
  it('deep equality: lists by length and order, dicts by keys, never a list for a dict', () => {
    expect(pyEquals([1, [2, { a: 3 }]], [1, [2, { a: 3 }]])).toBe(true);
    expect(pyEquals([1, 2], [1, 2, 3])).toBe(false);
    expect(pyEquals([1, 2], [1, 3])).toBe(false);
    expect(pyEquals([1], { 0: 1 })).toBe(false);
    expect(pyEquals({ 0: 1 }, [1])).toBe(false);
    expect(pyEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(pyEquals({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(pyEquals({ a: 1 }, { a: 2 })).toBe(false);
    expect(pyEquals({ a: 1 }, null)).toBe(false);
    expect(pyEquals(1, '1')).toBe(false);
    expect(pyEquals(null, undefined)).toBe(true);
  });

  it('ordering: booleans, lists element-wise then by length; mixed types do not compare', () => {
    expect(pyCompare(true, false)).toBe(1);
    expect(pyCompare(false, true)).toBe(-1);
    expect(pyCompare([1, 2], [1, 3])).toBe(-1);
    expect(pyCompare([1, 2], [1, 2, 0])).toBe(-1);
    expect(pyCompare([1, 2, 0], [1, 2])).toBe(1);
    expect(pyCompare([1], 1)).toBeUndefined();
    expect(pyCompare({ a: 1 }, { a: 1 })).toBeUndefined();
  });

  it('membership in a dict: keys only; a list or dict item is unhashable', () => {
    expect(pyIn('a', { a: 1 })).toBe(true);
    expect(pyIn(1, { a: 1 })).toBe(false);
    expect(pyIn([1], { a: 1 })).toBeUndefined();
    expect(pyIn(null, { a: 1 })).toBe(false);
  });

  it('ISO dates: offsets, fractions, and impossible dates or times refused', () => {
    expect(parseIsoDate(' 2024-01-02T03:04:05Z ')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseIsoDate('2024-01-02T03:04:05.25+01:30')).toBe(Date.UTC(2024, 0, 2, 1, 34, 5, 250));
    expect(parseIsoDate('2024-01-02T03:04:05-02')).toBe(Date.UTC(2024, 0, 2, 5, 4, 5));
    expect(parseIsoDate('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(parseIsoDate('2024-01-01T23:59:59')).toBe(Date.UTC(2024, 0, 1, 23, 59, 59));
    // 10:60 and 10:00:60 would roll over inside the same day: only the range checks refuse them
    for (const bad of ['2024-02-30', '2024-13-01', '2024-01-01T24:00:00', '2024-01-01T10:60:00', '2024-01-01T10:00:60', '2024-01-01T23:59:60', 'soon', 42])
      expect(parseIsoDate(bad), String(bad)).toBeUndefined();
  });
});

describe('operator patterns', () => {
  it('a missing pattern never matches, unless the operator takes none', () => {
    const clock = { nowMs: 0 };
    for (const missing of [null, undefined]) {
      const c = compileOperator(OPERATORS.startswith!, missing);
      expect(c.ok && c.test('anything', clock)).toBe(false);
      expect(c.ok && c.test('', clock)).toBe(false);
    }
    const exists = compileOperator(OPERATORS.exists!, null);
    expect(exists.ok && exists.test('x', clock)).toBe(true);
  });
});

describe('webhook parameters', () => {
  it('a token or a secret is required, and either alone is enough', () => {
    expect(webhookParams.safeParse({ name: 'a', token: 't'.repeat(16) }).success).toBe(true);
    expect(webhookParams.safeParse({ name: 'a', secret: 's'.repeat(16) }).success).toBe(true);
    const none = webhookParams.safeParse({ name: 'a' });
    expect(none.success).toBe(false);
    expect(none.error?.issues[0]?.message).toMatch(/needs `token` or `secret`/);
  });
});
