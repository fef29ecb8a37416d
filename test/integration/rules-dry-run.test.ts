/** `attune rule test`: reports matching stored events and their parameters, writes no rows (library and CLI). */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const run = promisify(execFile);
const rule = {
  name: 'disk_alert',
  pack: 'core',
  trigger: { type: 'core.event' },
  criteria: { 'payload.disk.used': { type: 'greaterthan', pattern: 90 } },
  action: { ref: 'core.echo', parameters: { message: 'disk {{ event.payload.disk.used }}% on {{ event.payload.host }}' } },
};

describe('rule dry-run', () => {
  let attune: Attune;
  const counts = async () =>
    (
      await probe(attune).sql<{ e: number; f: number; x: number; r: number }[]>`
      select (select count(*)::int from event) as e, (select count(*)::int from enforcement) as f,
             (select count(*)::int from execution) as x, (select count(*)::int from rule) as r`
    )[0];

  beforeAll(async () => {
    attune = await testAttune('dryrun');
    await attune.packs.load(corePackDir);
    await attune.rules.disable('core.hello_world_timer');
    await attune.start({ actors: ['enforcer'] });
    const ids: string[] = [];
    for (const [host, used] of [
      ['a', 95],
      ['b', 40],
      ['c', 99],
    ] as const)
      ids.push((await attune.emit('core.event', { host, disk: { used } })).eventId);
    await eventually('3 events stored', async () => (await probe(attune).sql`select 1 from event where id = any(${ids}::uuid[])`).length === 3);
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('reports the matching events and the parameters each would produce, and writes no rows', async () => {
    const before = await counts();
    const r = await attune.rules.test(rule);
    expect(r).toMatchObject({ rule: 'core.disk_alert', trigger: 'core.event', evaluated: 3 });
    expect(r.matches.map((m) => m.parameters.message).sort()).toEqual(['disk 95% on a', 'disk 99% on c']);
    expect(r.matches.every((m) => m.error === null)).toBe(true);
    expect(await counts()).toEqual(before);
    expect(await attune.rules.get('core.disk_alert')).toBeNull();
  });

  it('honours --since: events older than the window are not evaluated', async () => {
    await probe(attune).sql`update event set created_at = now() - interval '2 hours' where payload->>'host' = 'c'`;
    const r = await attune.rules.test(rule, { sinceMs: 3_600_000 });
    expect(r.evaluated).toBe(2);
    expect(r.matches.map((m) => m.payload.host)).toEqual(['a']);
  });

  it('the CLI prints matches for a rule file (--json) and for a stored rule ref, writing nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'attune-dry-'));
    const file = path.join(dir, 'disk.yaml');
    await writeFile(file, JSON.stringify(rule));
    const env = { ...process.env, ATTUNE_NAMESPACE: attune.config.namespace, ATTUNE_DB_SCHEMA: attune.config.schema, ATTUNE_LOG_LEVEL: 'silent' };
    const before = await counts();
    const json = await run('node', ['bin/attune.js', 'rule', 'test', file, '--since', '3h', '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { evaluated: number; matches: { parameters: { message: string } }[] };
    expect(parsed.evaluated).toBe(3);
    expect(parsed.matches.map((m) => m.parameters.message).sort()).toEqual(['disk 95% on a', 'disk 99% on c']);
    await attune.rules.create({ ...rule, enabled: false });
    const text = await run('node', ['bin/attune.js', 'rule', 'test', 'core.disk_alert', '--since', '3h'], { env });
    expect(text.stdout).toMatch(/rule core\.disk_alert \(trigger core\.event\): 2 of 3 events .* match; nothing was written/);
    expect(text.stdout).toMatch(/parameters \{"message":"disk 99% on c"\}/);
    expect(await counts()).toEqual({ ...before, r: before!.r + 1 });
  });
});
