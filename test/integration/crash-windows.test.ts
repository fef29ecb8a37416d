/**
 * Crash windows: an actor process really SIGKILLs itself (ATTUNE_CRASH_AT) before its database
 * commit, after the commit before publishing, and after publishing before the ack. A fresh process
 * of the same actor claims the dead one's pending entries; the work completes exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActorName, Attune } from '../../src/index.ts';
import { disposeAttune, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { crashPackDir, fastOptions, fastTuning, tempFile } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

const EVENTS = 4;
const all: ActorName[] = ['enforcer', 'scheduler', 'worker', 'manager'];
const windows: { actor: ActorName; point: string; abandons?: boolean }[] = [
  { actor: 'enforcer', point: 'enforcer.before-commit' },
  { actor: 'enforcer', point: 'enforcer.after-commit' },
  { actor: 'enforcer', point: 'enforcer.before-ack' },
  { actor: 'scheduler', point: 'scheduler.before-commit' },
  { actor: 'scheduler', point: 'scheduler.after-commit' },
  { actor: 'scheduler', point: 'scheduler.before-ack' },
  { actor: 'manager', point: 'manager.before-commit' },
  { actor: 'manager', point: 'manager.before-ack' },
  { actor: 'worker', point: 'worker.after-claim', abandons: true },
  { actor: 'worker', point: 'worker.before-ack' },
];

let attune: Attune | null = null;
const procs: ActorProcess[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  if (attune) await disposeAttune(attune);
  attune = null;
});

describe('crash windows: killed at each point, the work completes exactly once', () => {
  for (const w of windows) {
    it(`${w.point}`, async () => {
      const a = await testAttune(`crash-${w.point}`, fastTuning);
      attune = a;
      await a.packs.load(crashPackDir);
      const options = fastOptions(a);
      await a.start({ actors: all.filter((x) => x !== w.actor) }); // the others, in this process
      // A worker runs one action at a time here, so that the crash hits only the execution at the point.
      const crashing = await spawnActors({ actors: w.actor, options: { ...options, concurrency: 1 }, env: { ATTUNE_CRASH_AT: w.point } });
      procs.push(crashing);
      const file = await tempFile('crash');
      for (let i = 0; i < EVENTS; i++) await a.emit('crashtest.go', { file, seconds: 0 });

      const exit = await crashing.exited;
      expect(exit.signal, crashing.output()).toBe('SIGKILL');
      expect(crashing.output()).toContain(`crash point ${w.point} reached`);
      procs.push(await spawnActors({ actors: w.actor, options }));

      // Counted only when nothing more can happen: a late claim, second run or late report shows here.
      const c = await settled(a, { executions: EVENTS, runsFile: file });
      expect(c.events).toBe(EVENTS);
      expect(c.enforcements).toBe(EVENTS);
      expect(c.executions).toBe(EVENTS);
      expect(c.maxEnforcementsPerEvent).toBe(1);
      expect(c.maxExecutionsPerEnforcement).toBe(1);
      expect(c.backlog).toBe(0);
      const ran = c.runs;
      expect(new Set(ran).size, `runs: ${ran.join(',')}`).toBe(ran.length); // never run twice
      if (w.abandons) {
        const abandoned = await probe(a).sql<{ id: number; status_reason: string }[]>`select id, status_reason from execution where status = 'abandoned'`;
        expect(abandoned.length).toBe(1); // the one claimed when the worker died
        for (const e of abandoned) expect(e.status_reason).toMatch(/was lost while running this execution; not run again/);
        expect(c.byStatus).toEqual({ succeeded: EVENTS - 1, abandoned: 1 });
        expect(ran.filter((id) => abandoned.some((e) => e.id === id))).toEqual([]); // killed before running
        expect(ran.length).toBe(EVENTS - 1);
      } else {
        expect(c.byStatus).toEqual({ succeeded: EVENTS });
        expect(ran.length).toBe(EVENTS);
      }
    });
  }
});
