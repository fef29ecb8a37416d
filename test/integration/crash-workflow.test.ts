/**
 * Crash windows of the workflow actor: its process really SIGKILLs itself (ATTUNE_CRASH_AT) before
 * its commit, after the commit before publishing, and before the ack; a fresh process takes over
 * the dead one's pending entries. Every workflow completes and each task's action ran exactly once
 * (the action counts its runs in a file).
 */
import { describe, expect, it } from 'vitest';
import { crashTestScope, eventually, probe, testAttune } from '../helpers.ts';
import { spawnActors } from '../fixtures/actor-process.ts';
import { crashPackDir, fastOptions, fastTuning, runs, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

const WORKFLOWS = 3;
/** Task runs per workflow: first, three items, side, last. */
const TASKS = 6;

const { procs, use } = crashTestScope();

describe('workflow actor crash windows: every workflow completes, every task runs once', () => {
  for (const point of ['workflow.before-commit', 'workflow.after-commit', 'workflow.before-ack']) {
    it(point, async () => {
      const a = await testAttune(`crash-${point}`, fastTuning);
      use(a);
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
        180_000,
      );
      // Nothing more can happen: every execution final, no backlog on any stream, and still so past the claim idle and liveness windows.
      await settled(a, { executions: WORKFLOWS * (1 + TASKS), runsFile: file });
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
