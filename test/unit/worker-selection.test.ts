import { describe, expect, it } from 'vitest';
import { chooseRoute, chooseRuntime, isLive, needsHandler, type WorkerRegistration } from '../../src/domain/worker-selection.ts';

const now = 1_000_000;
const worker = (id: string, runtimes: string[], ageMs = 0): WorkerRegistration => ({
  id,
  host: 'h',
  pid: 1,
  version: '0',
  runtimes,
  handlers: [],
  concurrency: 4,
  running: 0,
  startedAt: 0,
  heartbeatAt: now - ageMs,
});

describe('worker selection', () => {
  it('matches the action runtime case-insensitively against capabilities.runtimes', () => {
    const r = chooseRuntime('Shell', [worker('w1', ['Python', 'SHELL', 'node'])], now, 10_000);
    expect(r).toEqual({ ok: true, runtime: 'shell', workers: ['w1'] });
  });

  it('only counts live workers', () => {
    const r = chooseRuntime('shell', [worker('dead', ['shell'], 20_000), worker('live', ['shell'], 100)], now, 10_000);
    expect(r).toEqual({ ok: true, runtime: 'shell', workers: ['live'] });
  });

  it('no worker at all: waits with a visible reason', () => {
    const r = chooseRuntime('shell', [], now, 10_000);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/no live worker.*"shell"/);
  });

  it('only dead workers: the reason says so', () => {
    const r = chooseRuntime('shell', [worker('w', ['shell'], 60_000)], now, 10_000);
    expect(!r.ok && r.reason).toMatch(/1 registered, none heartbeating/);
  });

  it('live workers without the runtime: the reason lists what they offer', () => {
    const r = chooseRuntime('python', [worker('w', ['shell', 'node'])], now, 10_000);
    expect(!r.ok && r.reason).toBe('waiting for a worker: no live worker offers runtime "python" (live workers offer: node, shell)');
  });
});

describe('routing of in-process handler actions', () => {
  const handlerAction = { ref: 'app.add', runtime: 'node', command: null, entry_point: null };
  const withHandler = { ...worker('w-has', ['node']), handlers: ['app.add'] };

  it('a node action without a script goes only to workers advertising its handler, on its own stream', () => {
    const r = chooseRoute(handlerAction, [worker('w-none', ['node']), withHandler], now, 10_000);
    expect(r).toEqual({ ok: true, runtime: 'node', handler: 'app.add', workers: ['w-has'] });
  });

  it('no live worker has the handler: waits, saying so', () => {
    const r = chooseRoute(handlerAction, [worker('w-none', ['node'])], now, 10_000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/no live worker has an in-process handler for "app.add"/);
  });

  it('a node action with a script goes by runtime', () => {
    const r = chooseRoute({ ...handlerAction, entry_point: 'add.js' }, [worker('w-none', ['node'])], now, 10_000);
    expect(r).toEqual({ ok: true, runtime: 'node', workers: ['w-none'] });
  });
});

// Holes found by `npm run mutate` (2026-12-01): boundaries, trimming, the waiting reasons.
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
    expect(needsHandler({ ref: 'p.a', runtime: 'shell', command: null, entry_point: null })).toBe(false);
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
