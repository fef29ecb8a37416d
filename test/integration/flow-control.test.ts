/**
 * Rule flow control with real services: throttle per key, a debounce burst, dedupe by id (an
 * enforcer in this process), and a debounce window open when its enforcer is SIGKILLed that
 * fires once after a restart (an enforcer in a child process). Every event is stored; each held
 * back enforcement records the decision and its key.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { kill, spawnActors, type ActorProcess } from '../fixtures/actor-process.ts';
import { fastOptions, fastTuning } from '../fixtures/crash-harness.ts';
import { settled } from '../fixtures/settle.ts';

const tuning = { ...fastTuning, policies: { pollMs: 100, auditEveryMs: 500 } };

let attune: Attune;
const procs: ActorProcess[] = [];
beforeEach(async () => {
  attune = await testAttune('flow', tuning);
  await attune.packs.load(corePackDir);
  await attune.rules.disable('core.hello_world_timer');
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => kill(p)));
  await disposeAttune(attune);
});

function rule(name: string, flow: Record<string, unknown>) {
  return {
    name,
    pack: 'core',
    trigger: { type: 'core.event' },
    action: { ref: 'core.echo', parameters: { message: '{{ trigger.host }} {{ trigger.n }}' } },
    flow,
  };
}

async function emitAll(payloads: Record<string, unknown>[]): Promise<void> {
  for (const p of payloads) await attune.emit('core.event', p);
}

async function enforcements(): Promise<{ status: string; flow_key: string | null; n: number }[]> {
  return probe(attune).sql<{ status: string; flow_key: string | null; n: number }[]>`
    select status, flow_key, count(*)::int as n from enforcement group by status, flow_key order by status, flow_key`;
}

async function executions(): Promise<{ message: string }[]> {
  return probe(attune).sql<{ message: string }[]>`select parameters->>'message' as message from execution order by id`;
}

const stored = async (n: number) => (await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from enforcement`)[0]?.n === n;

describe('rule flow control', () => {
  it('throttle {limit: 1, per: 1m, key: host}: 1,000 events for 2 hosts give exactly 2 executions', async () => {
    await attune.rules.create(rule('throttled', { throttle: { limit: 1, per: '1m', key: '{{ trigger.host }}' } }));
    await attune.start({ actors: ['enforcer'] });
    await emitAll(Array.from({ length: 1000 }, (_, n) => ({ host: n % 2 === 0 ? 'a' : 'b', n })));
    await eventually('1,000 enforcements', () => stored(1000), 120_000);
    expect((await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from event`)[0]?.n).toBe(1000);
    expect((await executions()).map((e) => e.message).sort()).toEqual(['a 0', 'b 1']);
    expect(await enforcements()).toEqual([
      { status: 'created', flow_key: null, n: 2 },
      { status: 'throttled', flow_key: 'a', n: 499 },
      { status: 'throttled', flow_key: 'b', n: 499 },
    ]);
    const [why] = await probe(attune).sql<{ reason: string }[]>`select reason from enforcement where status = 'throttled' limit 1`;
    expect(why?.reason).toMatch(/^throttled: 1 enforcement\(s\) per 1m for key "[ab]"/);
    // The what-if over the same stored events agrees.
    const r = await attune.rules.test('core.throttled');
    expect(r.flow).toEqual({ runs: 2, throttled: 998, debounced: 0, deduplicated: 0 });
    // Where a user asks "why did this not run?": the CLI shows the decision, the key and the reason.
    const env = { ...process.env, ATTUNE_NAMESPACE: attune.config.namespace, ATTUNE_DB_SCHEMA: attune.config.schema, ATTUNE_LOG_LEVEL: 'silent' };
    const cli = promisify(execFile);
    const listed = await cli('node', ['bin/attune.js', 'rule', 'enforcements', 'core.throttled', '--status', 'throttled', '--limit', '3'], { env });
    expect(listed.stdout.trim().split('\n')).toHaveLength(4);
    expect(listed.stdout).toMatch(/throttled +[ab] +throttled: 1 enforcement\(s\) per 1m for key "[ab]"/);
    // Paging back: --before the last id of that page gives the 3 older ones.
    const lastId = Number(/^(\d+)/m.exec(listed.stdout.trim().split('\n').at(-1) ?? '')?.[1]);
    const older = await cli(
      'node',
      ['bin/attune.js', 'rule', 'enforcements', 'core.throttled', '--status', 'throttled', '--limit', '3', '--before', String(lastId), '--json'],
      { env },
    );
    const sixNewest = (await attune.rules.enforcements('core.throttled', { status: 'throttled', limit: 6 })).map((e) => e.id);
    expect(sixNewest[2]).toBe(lastId);
    expect((JSON.parse(older.stdout) as { id: number }[]).map((e) => e.id)).toEqual(sixNewest.slice(3));
    const whatIf = await cli('node', ['bin/attune.js', 'rule', 'test', 'core.throttled'], { env });
    expect(whatIf.stdout).toContain('would have run 2 times, throttled 998');
  }, 240_000);

  it('dedupe by id: one execution per id', async () => {
    await attune.rules.create(rule('deduped', { dedupe: { window: '1h', key: '{{ trigger.n }}' } }));
    await attune.start({ actors: ['enforcer'] });
    await emitAll(Array.from({ length: 30 }, (_, i) => ({ host: `h${i}`, n: i % 10 })));
    await eventually('30 enforcements', () => stored(30), 60_000);
    const messages = (await executions()).map((e) => e.message);
    expect(messages).toEqual(Array.from({ length: 10 }, (_, n) => `h${n} ${n}`));
    const held = await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from enforcement where status = 'deduplicated'`;
    expect(held[0]?.n).toBe(20);
    expect((await attune.rules.test('core.deduped')).flow).toEqual({ runs: 10, throttled: 0, debounced: 0, deduplicated: 20 });
  });

  it('a debounce burst of 50 events gives 1 execution, with the last payload', async () => {
    await attune.rules.create(rule('debounced', { debounce: { wait: '2s', key: '{{ trigger.host }}' } }));
    await attune.start({ actors: ['enforcer'] });
    await emitAll(Array.from({ length: 50 }, (_, n) => ({ host: 'a', n })));
    await eventually('an execution', async () => (await executions()).length > 0, 60_000);
    // Nothing more can happen: the window is gone and a further wait plus sweeps pass.
    await new Promise((r) => setTimeout(r, 2000 + 5 * tuning.policies.pollMs));
    expect(await stored(50)).toBe(true);
    expect((await executions()).map((e) => e.message)).toEqual(['a 49']);
    expect(await enforcements()).toEqual([
      { status: 'created', flow_key: 'a', n: 1 },
      { status: 'debounced', flow_key: 'a', n: 49 },
    ]);
    expect((await probe(attune).sql`select 1 from debounce_window`).length).toBe(0);
  });

  it('a debounce window open when its enforcer is SIGKILLed fires after a restart, once', async () => {
    await attune.rules.create(rule('durable', { debounce: { wait: '4s', key: '{{ trigger.host }}' } }));
    const options = { ...fastOptions(attune), ...tuning };
    const first = await spawnActors({ actors: 'enforcer', options });
    procs.push(first);
    await emitAll(Array.from({ length: 10 }, (_, n) => ({ host: 'a', n })));
    await eventually('10 debounced enforcements', () => stored(10), 60_000);
    await kill(first);
    const open = await probe(attune).sql<{ events: number }[]>`select events from debounce_window`;
    expect(open.map((w) => w.events)).toEqual([10]);
    expect(await executions()).toEqual([]);
    procs.push(await spawnActors({ actors: 'enforcer', options }));
    await eventually('the window fired', async () => (await executions()).length > 0, 60_000);
    // Nothing more can happen: no backlog on any stream, and the same rows past the claim idle and liveness windows
    // (no scheduler runs here: the one execution stays requested).
    await settled(attune, { executions: 1, unfinished: 1 });
    expect((await executions()).map((e) => e.message)).toEqual(['a 9']);
    expect((await probe(attune).sql`select 1 from debounce_window`).length).toBe(0);
  }, 180_000);
});
