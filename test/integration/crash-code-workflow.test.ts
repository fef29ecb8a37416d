/**
 * Crash windows of the workflow actor running a code-defined workflow (test/fixtures/code-flow.ts):
 * its process really SIGKILLs itself (ATTUNE_CRASH_AT) before its commit, after the commit before
 * publishing, and before the ack; a fresh process (the same definitions) takes over from the
 * persisted snapshot. Every workflow completes and each child ran exactly once.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crashTestScope, eventually, probe, testAttune } from '../helpers.ts';
import { spawnActors } from '../fixtures/actor-process.ts';
import { codeFlow } from '../fixtures/code-flow.ts';
import { crashPackDir, fastOptions, fastTuning, runs, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

const script = fileURLToPath(new URL('../fixtures/code-workflow-actors.ts', import.meta.url));
const WORKFLOWS = 3;
/** Children per workflow: first, two pair items, last. */
const TASKS = 4;

const { procs, use } = crashTestScope();

describe('code-defined workflow, workflow actor crash windows: every workflow completes, every child runs once', () => {
  for (const point of ['workflow.before-commit', 'workflow.after-commit', 'workflow.before-ack']) {
    it(point, async () => {
      const a = await testAttune(`crashcode-${point}`, { ...fastTuning, definitions: [codeFlow] });
      use(a);
      await a.packs.load(crashPackDir);
      await a.saveDefinitions();
      await a.start({ actors: ['scheduler', 'worker', 'manager'], concurrency: 4 });
      const crashing = await spawnActors({ actors: 'workflow', script, options: fastOptions(a), env: { ATTUNE_CRASH_AT: point } });
      procs.push(crashing);
      const file = await tempFile('cwfcrash');
      const ids: number[] = [];
      for (let i = 0; i < WORKFLOWS; i++) ids.push((await a.run('crashcode.flow', { file })).id);

      const exit = await crashing.exited;
      expect(exit.signal, crashing.output()).toBe('SIGKILL');
      expect(crashing.output()).toContain(`crash point ${point} reached`);
      procs.push(await spawnActors({ actors: 'workflow', script, options: fastOptions(a) }));

      const sql = probe(a).sql;
      await eventually(
        'every workflow finished',
        async () =>
          (await sql<{ n: number }[]>`select count(*)::int as n from execution where id = any(${ids}) and finished_at is not null`)[0]?.n === WORKFLOWS,
        120_000,
      );
      // Nothing more can happen: every execution final, no backlog on any stream, and still so past the claim idle and liveness windows.
      await settled(a, { executions: WORKFLOWS * (1 + TASKS), runsFile: file });
      const wfs = await sql<{ status: string; result: unknown }[]>`select status, result from execution where id = any(${ids})`;
      expect(wfs).toEqual(Array(WORKFLOWS).fill({ status: 'succeeded', result: { output: { done: true } } }));
      const kids = await sql<{ id: number; parent_id: number; task_name: string; item_index: number | null }[]>`
        select id, parent_id, task_name, item_index from execution where parent_id is not null`;
      expect(kids.length).toBe(WORKFLOWS * TASKS);
      const keys = kids.map((k) => `${k.parent_id}/${k.task_name}/${k.item_index}`);
      expect(new Set(keys).size).toBe(keys.length); // none requested twice
      const ran = await runs(file);
      expect([...ran].sort((x, y) => x - y)).toEqual(kids.map((k) => k.id).sort((x, y) => x - y)); // each ran exactly once
    });
  }
});
