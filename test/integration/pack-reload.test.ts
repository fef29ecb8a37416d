/**
 * Reloading a pack makes the stored pack equal the folder (issue 16 item 5): a user's
 * `rule disable` survives the reload; rules, actions and triggers whose files were deleted are
 * removed (triggers stay), and a deleted timer rule stops firing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

let attune: Attune;
let dir: string;
const files: Record<string, string> = {
  'pack.yaml': 'name: rl\n',
  'actions/noop.yaml': 'name: noop\nruntime: shell\ncommand: "true"\n',
  'actions/other.yaml': 'name: other\nruntime: shell\ncommand: "true"\n',
  'triggers/ping.yaml': 'name: ping\n',
  'rules/tick.yaml': 'name: tick\ntrigger:\n  type: core.intervaltimer\n  parameters: { unit: seconds, delta: 1 }\naction: { ref: rl.noop }\n',
  'rules/on_ping.yaml': 'name: on_ping\ntrigger: { type: rl.ping }\naction: { ref: rl.other }\n',
};

beforeAll(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'attune-reload-')), 'rl');
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), text);
  }
  attune = await testAttune('packreload');
  await attune.packs.load(corePackDir);
  await attune.rules.disable('core.hello_world_timer');
});
afterAll(async () => {
  await disposeAttune(attune);
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('pack reload', { timeout: 90_000 }, () => {
  it('keeps a rule the user disabled disabled', async () => {
    await attune.packs.load(dir);
    await attune.rules.disable('rl.on_ping');
    await attune.packs.load(dir);
    expect((await attune.rules.get('rl.on_ping'))?.enabled).toBe(false);
    expect((await attune.rules.get('rl.tick'))?.enabled).toBe(true);
  });

  it('removes what the folder no longer has; a deleted timer rule stops firing', async () => {
    const sql = probe(attune).sql;
    const ticks = async () => Number((await sql<{ n: string }[]>`select count(*) as n from execution where action_ref = 'rl.noop'`)[0]?.n ?? 0);
    await attune.start({ actors: ['sensor', 'enforcer'] });
    await eventually('the timer rule fires', async () => (await ticks()) >= 2, 20_000);

    await rm(path.join(dir, 'rules', 'tick.yaml'));
    await rm(path.join(dir, 'rules', 'on_ping.yaml'));
    await rm(path.join(dir, 'actions', 'other.yaml'));
    await rm(path.join(dir, 'triggers', 'ping.yaml'));
    await attune.packs.load(dir);
    expect((await attune.rules.list({ pack: 'rl' })).map((r) => r.ref)).toEqual([]);
    expect((await sql`select ref from action where pack = 'rl'`).map((r) => r.ref as string)).toEqual(['rl.noop']);
    expect((await sql`select ref from trigger where pack = 'rl'`).map((r) => r.ref as string)).toEqual(['rl.ping']);

    // settled: no new tick for 3 s (a tick already in flight at the reload may still land)
    let last = await ticks();
    let since = Date.now();
    await eventually(
      'no tick for 3 s after the reload',
      async () => {
        const now = await ticks();
        if (now !== last) [last, since] = [now, Date.now()];
        return Date.now() - since >= 3000;
      },
      30_000,
    );
    expect(await ticks()).toBe(last);
  });

  it('refuses to drop an action another pack still uses, naming both', async () => {
    await attune.rules.create({ name: 'uses_noop', pack: 'core', trigger: { type: 'core.event' }, action: { ref: 'rl.noop' } });
    await rm(path.join(dir, 'actions', 'noop.yaml'));
    await expect(attune.packs.load(dir)).rejects.toThrow(/pack "rl": action "rl\.noop" is no longer in the folder but rule "core\.uses_noop" uses it/);
    expect((await sql()).length).toBe(1);
    async function sql() {
      return probe(attune).sql`select ref from action where ref = 'rl.noop'`;
    }
  });
});
