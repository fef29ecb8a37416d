import { describe, expect, it } from 'vitest';
import { chooseRoute, chooseRuntime, type WorkerRegistration } from '../../src/domain/worker-selection.ts';

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
