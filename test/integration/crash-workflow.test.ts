/**
 * Crash windows of the workflow actor: its process really SIGKILLs itself (ATTUNE_CRASH_AT) before
 * its commit, after the commit before publishing, and before the ack; a fresh process takes over
 * the dead one's pending entries. Every workflow completes and each task's action ran exactly once
 * (the action counts its runs in a file).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { crashPackDir, fastOptions, fastTuning, runs, tempFile } from '../fixtures/crash-harness.ts';

const WORKFLOWS = 3;
/** Task runs per workflow: first, three items, side, last. */
const TASKS = 6;

let attune: Attune | null = null;
const procs: ActorProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  if (attune) await disposeAttune(attune);
  attune = null;
});

describe('workflow actor crash windows: every workflow completes, every task runs once', () => {
  for (const point of ['workflow.before-commit', 'workflow.after-commit', 'workflow.before-ack']) {
    it(point, async () => {
      const a = await testAttune(`crash-${point}`, fastTuning);
      attune = a;
      await a.packs.load(crashPackDir);
      await a.start({ actors: ['scheduler', 'worker', 'manager'], concurrency: 4 });
      const crashing = await spawnActors({ actors: 'workflow', options: fastOptions(a), env: { ATTUNE_CRASH_AT: point } });
      procs.push(crashing);
      const file = await tempFile('wfcrash');
      const ids: number[] = [];
      for (let i = 0; i < WORKFLOWS; i++) ids.push((await a.run('crashtest.flow', { file })).id);

      const exit = await crashing.exited;
      expect(exit.signal, crashing.output()).toBe('SIGKILL');
      expect(crashing.output()).toContain(`crash point ${point} reached`);
      procs.push(await spawnActors({ actors: 'workflow', options: fastOptions(a) }));

      const sql = probe(a).sql;
      await eventually(
        'every workflow finished',
        async () =>
          (await sql<{ n: number }[]>`select count(*)::int as n from execution where id = any(${ids}) and finished_at is not null`)[0]?.n === WORKFLOWS,
        60_000,
      );
      // settle: past the claim idle and sweep windows, nothing more may happen
      await new Promise((r) => setTimeout(r, fastTuning.consumer.claimIdleMs + fastTuning.reconciler.staleMs));
      const wfs = await sql<{ status: string }[]>`select status from execution where id = any(${ids})`;
      expect(wfs.map((w) => w.status)).toEqual(Array(WORKFLOWS).fill('succeeded'));
      const kids = await sql<{ id: number; parent_id: number; task_name: string; item_index: number | null; status: string }[]>`
        select id, parent_id, task_name, item_index, status from execution where parent_id is not null`;
      expect(kids.length).toBe(WORKFLOWS * TASKS);
      const keys = kids.map((k) => `${k.parent_id}/${k.task_name}/${k.item_index}`);
      expect(new Set(keys).size).toBe(keys.length); // none requested twice
      const ran = await runs(file);
      expect([...ran].sort((x, y) => x - y)).toEqual(kids.map((k) => k.id).sort((x, y) => x - y)); // each ran exactly once
      const pending = await sql<{ n: number }[]>`select count(*)::int as n from execution where finished_at is null`;
      expect(pending[0]?.n).toBe(0);
    });
  }
});
