/**
 * HA timers: two sensor processes (real child processes) fire the same cron ticks, and each tick
 * becomes exactly one event; after both are SIGKILLed and one restarts, the rule's catch-up policy
 * (fire_all) fills the ticks missed while none ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

describe('sensor replicas', () => {
  let attune: Attune;
  let instance: number;
  const children: ChildProcess[] = [];

  function startSensorProcess(): ChildProcess {
    const child = spawn('node', ['bin/attune.js', 'up', '--actors', 'sensor'], {
      env: { ...process.env, ATTUNE_NAMESPACE: attune.config.namespace, ATTUNE_DB_SCHEMA: attune.config.schema, ATTUNE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }
  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  /** Tick times (ms) of the rule's stored events, ascending, and how many were catch-up ticks. */
  const ticks = async () => {
    const rows = await probe(attune).sql<{ at: Date; catch_up: boolean }[]>`
      select occurred_at as at, coalesce((payload->>'catch_up')::boolean, false) as catch_up
      from event where trigger_instance_id = ${instance} order by occurred_at`;
    return { times: rows.map((r) => r.at.getTime()), catchUp: rows.filter((r) => r.catch_up).length };
  };
  const contiguous = (times: number[]) => times.every((t, i) => i === 0 || t - times[i - 1]! === 1000);
  const expectNoGaps = (times: number[]) => {
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(1000);
  };

  beforeAll(async () => {
    attune = await testAttune('sensorha');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    const rule = await attune.rules.create({
      name: 'every_second',
      pack: 'core',
      trigger: { type: 'core.crontimer', parameters: { expression: '* * * * * *', catch_up: 'fire_all', catch_up_max: 60 } },
      action: { ref: 'core.noop' },
    });
    instance = rule.trigger_instance_id!;
    await attune.start({ actors: ['enforcer'] });
  });
  afterAll(async () => {
    await Promise.all(children.map(kill));
    await disposeAttune(attune);
  });

  it('two sensor processes both publish every tick; each tick is stored once', async () => {
    const [a, b] = [startSensorProcess(), startSensorProcess()];
    // both publish: the stream holds two entries for the same dedupe key, again and again
    const doubled = await eventually(
      'both sensors publishing 4 ticks each',
      async () => {
        const entries = await probe(attune).redis.xrange(probe(attune).catalog.eventCreated.key, '-', '+');
        const perKey = new Map<string, number>();
        for (const [, fields] of entries) {
          const payload = JSON.parse(fields[fields.indexOf('payload') + 1] ?? '{}') as { dedupeKey?: string };
          if (payload.dedupeKey) perKey.set(payload.dedupeKey, (perKey.get(payload.dedupeKey) ?? 0) + 1);
        }
        const twice = [...perKey.values()].filter((n) => n === 2).length;
        return twice >= 4 ? { twice, keys: perKey.size, max: Math.max(...perKey.values()) } : null;
      },
      30_000,
    );
    expect(doubled.max).toBe(2);
    const stored = await eventually('the ticks stored', async () => {
      const t = await ticks();
      return t.times.length >= doubled.keys ? t : null;
    });
    expect(new Set(stored.times).size).toBe(stored.times.length);
    expectNoGaps(stored.times);

    await Promise.all([kill(a), kill(b)]);
  });

  it('ticks missed while every sensor was down are caught up (fire_all) when one restarts', async () => {
    const downAt = Date.now();
    const before = await ticks();
    await eventually('3 ticks pass with no sensor running', () => Date.now() > downAt + 3500, 10_000);
    startSensorProcess();
    const after = await eventually(
      '3+ catch-up ticks and later ticks stored, with no tick missing',
      async () => {
        const t = await ticks();
        return t.catchUp >= 3 && (t.times.at(-1) ?? 0) > downAt + 5000 && contiguous(t.times) ? t : null;
      },
      30_000,
    );
    expect(after.times.length).toBeGreaterThan(before.times.length + 3);
    expect(new Set(after.times).size).toBe(after.times.length);
    expectNoGaps(after.times);
  });
});
