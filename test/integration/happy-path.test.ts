/** The classic scenario: the interval timer rule → core.echo → "hello, world" in Postgres. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

describe('timer rule → core.echo, end to end', () => {
  let attune: Attune;
  beforeAll(async () => {
    attune = await testAttune('happy');
    await attune.packs.load(corePackDir);
    await attune.start();
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('runs the demo rule: 3+ succeeded executions, each with one event and one enforcement, one trace', async () => {
    const rows = await eventually(
      '3 succeeded executions of core.echo',
      async () => {
        const r = await probe(attune).sql<
          { id: number; trace: string; result: { stdout?: string }; enforcement_id: number; started_at: Date | null; finished_at: Date }[]
        >`
          select id, trace, result, enforcement_id, started_at, finished_at from execution where action_ref = 'core.echo' and status = 'succeeded' order by id`;
        return r.length >= 3 ? r : null;
      },
      20_000,
    );
    for (const e of rows) {
      expect(e.result.stdout).toContain('hello, world');
      // A fast action sends no separate `running` report: its outcome carries the start time.
      expect(e.started_at).not.toBeNull();
      expect(e.started_at!.getTime()).toBeLessThanOrEqual(e.finished_at.getTime());
      const enf = await probe(attune).sql<{ id: number; event_id: string; trace: string; rule_ref: string }[]>`
        select id, event_id, trace, rule_ref from enforcement where id = ${e.enforcement_id}`;
      expect(enf).toHaveLength(1);
      expect(enf[0]?.rule_ref).toBe('core.hello_world_timer');
      const events = await probe(attune).sql<
        { id: string; trace: string; trigger_ref: string }[]
      >`select id, trace, trigger_ref from event where id = ${enf[0]!.event_id}`;
      expect(events).toHaveLength(1);
      expect(events[0]?.trigger_ref).toBe('core.intervaltimer');
      expect(events[0]?.trace).toBe(e.trace);
      expect(enf[0]?.trace).toBe(e.trace);
      const perEvent = await probe(attune).sql`select 1 from enforcement where event_id = ${events[0]!.id}`;
      expect(perEvent).toHaveLength(1);
    }
    // One event per tick: no two events share a dedupe key, and every event made one execution.
    const [counts] = await probe(attune).sql<{ events: number; keys: number }[]>`
      select count(*)::int as events, count(distinct dedupe_key)::int as keys from event`;
    expect(counts?.events).toBe(counts?.keys);
  });

  it('leaves nothing pending and nothing dead after the executions finished', async () => {
    await eventually('all consumer groups drained', async () => {
      const stats = await attune.streams();
      const busy = stats.flatMap((s) => s.groups).filter((g) => g.pending > 0 && g.name !== 'worker');
      return busy.length === 0;
    });
    const dead = (await attune.streams()).find((s) => s.type === 'dead');
    expect(dead?.length ?? 0).toBe(0);
    expect(dead?.maxLen).toBe(attune.config.streams.deadMaxLen); // its own cap, shown by `attune streams`
  });
});
