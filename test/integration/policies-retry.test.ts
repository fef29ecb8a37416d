/**
 * Retry policy with real processes: a new execution per attempt linked by `retry_of`, backoff gaps
 * within bounds, and a schedule that survives a SIGKILL of every process during a backoff.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { fastOptions, fastTuning, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';
import { readFile } from 'node:fs/promises';

const packDir = fileURLToPath(new URL('../fixtures/packs/policies', import.meta.url));
const tuning = { ...fastTuning, policies: { pollMs: 100, auditEveryMs: 500 } };

let attune: Attune;
const procs: ActorProcess[] = [];
beforeEach(async () => {
  attune = await testAttune('retry', tuning);
  await attune.packs.load(packDir);
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  await disposeAttune(attune);
});

/** "<execution id> <epoch ms>" per run of the action. */
async function runLines(file: string): Promise<{ id: number; at: number }[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, at] = l.split(' ').map(Number);
      return { id: id ?? 0, at: at ?? 0 };
    });
}

async function fleet(): Promise<ActorProcess> {
  const p = await spawnActors({ actors: 'enforcer,scheduler,manager,worker', options: { ...fastOptions(attune), ...tuning } });
  procs.push(p);
  return p;
}

describe('retry policy', () => {
  it('fails twice then succeeds: three linked executions, the last succeeded, gaps within the backoff bounds', async () => {
    await fleet();
    const file = await tempFile('flaky');
    const first = await attune.run('policies.flaky', { file });
    const chain = await eventually(
      'three attempts, the last finished',
      async () => {
        const c = await attune.executions.chain(first.id);
        return c.length === 3 && c[2]?.status === 'succeeded' ? c : null;
      },
      60_000,
    );
    expect(chain.map((c) => [c.attempt, c.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    const rows = await probe(attune).sql<{ id: number; retry_of: number | null }[]>`select id, retry_of from execution order by id`;
    expect(rows.map((r) => r.retry_of)).toEqual([null, rows[0]?.id, rows[1]?.id]);
    const runs = await runLines(file);
    expect(runs.map((r) => r.id)).toEqual(rows.map((r) => r.id));
    // Backoff 1 s then 2 s (factor 2, no jitter): never early; late by at most a loaded machine's slack.
    const gaps = [runs[1]!.at - runs[0]!.at, runs[2]!.at - runs[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    expect(gaps[0]).toBeLessThan(1000 + 10_000);
    expect(gaps[1]).toBeLessThan(2000 + 10_000);
  });

  it('SIGKILL of every process during a backoff: the retry still happens, once', async () => {
    const p1 = await fleet();
    const file = await tempFile('flakylong');
    const first = await attune.run('policies.flaky_long', { file });
    const retry = await eventually(
      'the retry is scheduled',
      async () => {
        const c = await attune.executions.chain(first.id);
        return c.length === 2 && c[1]?.status === 'delayed' ? c[1] : null;
      },
      30_000,
    );
    expect(retry.not_before).not.toBeNull();
    await kill(p1);
    await fleet();
    await eventually('the retry succeeded', async () => (await attune.executions.chain(first.id))[1]?.status === 'succeeded', 60_000);
    // Nothing more can happen: both final, no backlog on any stream, and still so past the claim idle and liveness windows.
    await settled(attune, { executions: 2 });
    const chain = await attune.executions.chain(first.id);
    expect(chain.map((c) => [c.attempt, c.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect((await runLines(file)).map((r) => r.id)).toEqual(chain.map((c) => c.id));
  });
});
