/**
 * Holes found by `npm run mutate` (Stryker, 2026-12-01): each test here kills mutants that survived
 * the modules' other unit tests (boundaries, trimming, nested equality, date validation, claim
 * values, the webhook parameter rule). See docs/testing.md for the triage of the rest.
 */
import { describe, expect, it } from 'vitest';
import { claimValue, parseClaim, transitionFrom } from '../../src/domain/execution-lifecycle.ts';
import { chooseRoute, chooseRuntime, isLive, needsHandler, type WorkerRegistration } from '../../src/domain/worker-selection.ts';
import { parseIsoDate, pyCompare, pyEquals, pyIn } from '../../src/rules/operators.ts';
import { webhookParams } from '../../src/triggers/webhook-params.ts';

const now = 1_000_000;
const worker = (id: string, runtimes: string[], ageMs = 0, handlers: string[] = []): WorkerRegistration => ({
  id,
  host: 'h',
  pid: 1,
  version: '0',
  runtimes,
  handlers,
  concurrency: 4,
  running: 0,
  startedAt: 0,
  heartbeatAt: now - ageMs,
});

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

describe('worker selection edges', () => {
  it('a heartbeat exactly liveMs old is live; one ms older is not', () => {
    expect(isLive(worker('w', ['shell'], 1000), now, 1000)).toBe(true);
    expect(isLive(worker('w', ['shell'], 1001), now, 1000)).toBe(false);
  });

  it('runtimes are trimmed on both sides; workflows need no worker', () => {
    expect(chooseRuntime(' Shell ', [worker('w1', [' shell '])], now, 1000)).toEqual({ ok: true, runtime: 'shell', workers: ['w1'] });
    expect(chooseRuntime('workflow', [], now, 1000)).toEqual({ ok: true, runtime: 'workflow', workers: [] });
    expect(needsHandler({ ref: 'p.a', runtime: ' Node ', command: null, entry_point: null })).toBe(true);
    expect(needsHandler({ ref: 'p.a', runtime: 'node', command: null, entry_point: 'a.js' })).toBe(false);
    expect(needsHandler({ ref: 'p.a', runtime: 'node', command: 'x', entry_point: null })).toBe(false);
  });

  it('the waiting reason says how many are registered but silent, and nothing when none is', () => {
    const silent = chooseRuntime('shell', [worker('a', ['shell'], 5000), worker('b', ['shell'], 5000)], now, 1000);
    expect(silent).toEqual({
      ok: false,
      reason: 'waiting for a worker: no live worker (2 registered, none heartbeating within 1000 ms); runtime "shell" needed',
    });
    expect(chooseRuntime('shell', [], now, 1000)).toEqual({ ok: false, reason: 'waiting for a worker: no live worker; runtime "shell" needed' });
  });

  it('a handler action with live node workers lacking the handler waits, saying so', () => {
    const r = chooseRoute({ ref: 'p.h', runtime: 'node', command: null, entry_point: null }, [worker('w', ['node'])], now, 1000);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/1 live node worker\(s\) without it; register it with actions\.handle/);
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
    for (const bad of ['2024-02-30', '2024-13-01', '2024-01-01T24:00:00', '2024-01-01T23:60:00', '2024-01-01T23:59:60', 'soon', 42])
      expect(parseIsoDate(bad), String(bad)).toBeUndefined();
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
