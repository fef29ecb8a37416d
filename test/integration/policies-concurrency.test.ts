/**
 * Rate limit: a sliding window per action. Concurrency policy across two worker processes: never more than the limit running, every run
 * succeeds, slots granted in arrival order; one limit per key; a SIGKILLed worker's slot is freed.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { fastOptions, fastTuning, tempFile } from '../fixtures/crash-harness.ts';

const packDir = fileURLToPath(new URL('../fixtures/packs/policies', import.meta.url));
const tuning = { ...fastTuning, policies: { pollMs: 100, auditEveryMs: 500 } };

let attune: Attune;
const procs: ActorProcess[] = [];
beforeEach(async () => {
  attune = await testAttune('concurrency', tuning);
  await attune.packs.load(packDir);
  await attune.start({ actors: ['enforcer', 'scheduler', 'manager'] });
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  await disposeAttune(attune);
});

async function worker(): Promise<ActorProcess> {
  const p = await spawnActors({ actors: 'worker', options: { ...fastOptions(attune), ...tuning, concurrency: 8 } });
  procs.push(p);
  return p;
}

/** Run intervals from the action's own log: "<id> start <ms> [host]" and "<id> end <ms>". */
async function intervals(file: string): Promise<Map<number, { start: number; end: number; host?: string }>> {
  const out = new Map<number, { start: number; end: number; host?: string }>();
  for (const line of (await readFile(file, 'utf8')).split('\n').filter(Boolean)) {
    const [id, what, at, host] = line.split(' ');
    const e = out.get(Number(id)) ?? { start: 0, end: Infinity, host };
    if (what === 'start') e.start = Number(at);
    else e.end = Number(at);
    out.set(Number(id), e);
  }
  return out;
}

function maxOverlap(runs: { start: number; end: number }[]): number {
  const points = runs.flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.end, d: -1 },
  ]);
  points.sort((a, b) => a.t - b.t || a.d - b.d); // an end before a start at the same instant
  let now = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (now += p.d));
  return max;
}

async function statuses(): Promise<Record<string, number>> {
  const rows = await probe(attune).sql<{ status: string; n: number }[]>`select status, count(*)::int as n from execution group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('concurrency policy', () => {
  it('20 runs of a 1 s action, limit 2, two workers: never more than 2 at once, all succeed, in arrival order', async () => {
    await worker();
    await worker();
    const file = await tempFile('slow');
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await attune.run('policies.slow', { file, seconds: 1 })).id);
    let sampledMax = 0;
    let delayedSeen = '';
    await eventually(
      'all 20 finished',
      async () => {
        const [row] = await probe(attune).sql<{ running: number; delayed: string | null; done: number }[]>`
          select count(*) filter (where status = 'running')::int as running,
                 max(status_reason) filter (where status = 'delayed') as delayed,
                 count(*) filter (where finished_at is not null)::int as done from execution`;
        sampledMax = Math.max(sampledMax, row?.running ?? 0);
        delayedSeen ||= row?.delayed ?? '';
        return row?.done === 20;
      },
      120_000,
      50,
    );
    expect(await statuses()).toEqual({ succeeded: 20 });
    expect(sampledMax).toBeLessThanOrEqual(2);
    expect(sampledMax).toBeGreaterThan(0);
    expect(delayedSeen).toBe('concurrency limit 2 reached; waiting in line');
    const runs = await intervals(file);
    expect([...runs.keys()].sort((a, b) => a - b)).toEqual(ids);
    expect(maxOverlap([...runs.values()])).toBe(2);
    // Arrival order: slots are granted oldest first (ties: two slots granted in one batch).
    const order = await probe(attune).sql<{ id: number }[]>`select id from execution order by scheduled_at, id`;
    expect(order.map((r) => r.id)).toEqual(ids);
  });

  it('with a key, each key has its own limit: two keys run side by side, one key never twice at once', async () => {
    await worker();
    await worker();
    const file = await tempFile('keyed');
    for (const host of ['a', 'b', 'a', 'b']) await attune.run('policies.keyed', { file, host, seconds: 1.5 });
    await eventually('all finished', async () => (await statuses()).succeeded === 4, 60_000);
    const raw = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const starts = raw.map((l) => l.split(' ')).map(([id, , at, host]) => ({ id: Number(id), start: Number(at), end: Number(at) + 1500, host }));
    expect(maxOverlap(starts.filter((s) => s.host === 'a'))).toBe(1);
    expect(maxOverlap(starts.filter((s) => s.host === 'b'))).toBe(1);
    expect(maxOverlap(starts)).toBe(2);
  });

  it('a worker SIGKILLed while holding slots frees them: the one waiting in line runs', async () => {
    const first = await worker();
    const file = await tempFile('held');
    const long = [await attune.run('policies.slow', { file, seconds: 60 }), await attune.run('policies.slow', { file, seconds: 60 })];
    const waiting = await attune.run('policies.slow', { file, seconds: 0.2 });
    await eventually('two running, one delayed', async () => {
      const s = await statuses();
      return s.running === 2 && s.delayed === 1;
    });
    await kill(first);
    await worker();
    const done = await attune.executions.wait(waiting.id, { timeoutMs: 60_000 });
    expect(
      done.status,
      JSON.stringify(await probe(attune).sql`select id, status, status_reason, worker_id, scheduled_at, started_at from execution order by id`),
    ).toBe('succeeded');
    for (const l of long) expect((await attune.executions.get(l.id))?.status).toBe('abandoned');
    // Nothing held, nobody in line: the slots of the dead worker were not leaked.
    const keys = probe(attune).keys;
    await eventually('no slot held', async () => (await probe(attune).redis.scard(keys.slotHolders('policies.slow|'))) === 0);
    expect(await probe(attune).redis.zcard(keys.slotLine('policies.slow|'))).toBe(0);
  });
});

describe('rate limit policy', () => {
  it('at most 2 starts in any 2 s window; the rest delayed with the reason, then all succeed', async () => {
    await worker();
    const file = await tempFile('rated');
    for (let i = 0; i < 6; i++) await attune.run('policies.rated', { file });
    let reason = '';
    await eventually(
      'all 6 succeeded',
      async () => {
        const [d] = await probe(attune).sql<{ r: string | null }[]>`select max(status_reason) as r from execution where status = 'delayed'`;
        reason ||= d?.r ?? '';
        return (await statuses()).succeeded === 6;
      },
      60_000,
      50,
    );
    expect(reason).toMatch(/^rate limit 2 per 2000 ms reached; next start in \d+ ms$/);
    const starts = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split(' ')[1]))
      .sort((a, b) => a - b);
    expect(starts).toHaveLength(6);
    // The third start of any window comes a window after the first (less the start-up latency of one run).
    for (let i = 0; i + 2 < starts.length; i++) expect(starts[i + 2]! - starts[i]!).toBeGreaterThanOrEqual(1500);
  });
});
