/**
 * docs/packs.md is true: every file it shows (a fenced block whose first line is a comment naming
 * the file) is written into a pack folder, the pack loads, each action runs and returns what the
 * page says, the handler example runs in-process, and the rule with criteria and templates fires.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const doc = fileURLToPath(new URL('../../docs/packs.md', import.meta.url));
/** Fenced blocks of the page: language, the name in the first comment line, the whole text. */
function blocks(text: string): { lang: string; name: string; body: string }[] {
  return [...text.matchAll(/```(\w+)\n((?:#|\/\/) ([^\n]+)\n[\s\S]*?)```/g)].map((m) => ({ lang: m[1] ?? '', name: (m[3] ?? '').trim(), body: m[2] ?? '' }));
}

let dir: string;
let attune: Attune;
let handlerCode = '';

beforeAll(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'attune-packs-doc-')), 'hello');
  for (const b of blocks(await readFile(doc, 'utf8'))) {
    if (b.name.startsWith('handler:')) handlerCode = b.body;
    else if (b.lang !== 'sh') {
      await mkdir(path.dirname(path.join(dir, b.name)), { recursive: true });
      await writeFile(path.join(dir, b.name), b.body);
    }
  }
  attune = await testAttune('packsdoc');
  await attune.packs.load(corePackDir);
  await attune.rules.disable('core.hello_world_timer');
  // the page's handler example, as the embedding service would run it
  const module = path.join(path.dirname(dir), 'register.mjs');
  await writeFile(module, `export default (attune) => {\n${handlerCode}};\n`);
  const { default: register } = (await import(module)) as { default: (a: Attune) => void };
  register(attune);
  await attune.start({ actors: ['sensor', 'enforcer', 'scheduler', 'manager', 'worker'] });
});
afterAll(async () => {
  await disposeAttune(attune);
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('docs/packs.md', { timeout: 60_000 }, () => {
  it('its pack loads: the shell, python and node actions, the trigger, the rule and the cron rule', async () => {
    expect(handlerCode).toContain("attune.actions.handle('hello.notify'");
    expect(await attune.packs.load(dir)).toEqual({ pack: 'hello', triggers: 1, actions: 4, rules: 2 });
    expect((await attune.rules.get('hello.nightly'))?.trigger_ref).toBe('core.crontimer');
  });

  it('each action runs and returns what the page says', async () => {
    const greet = await attune.run('hello.greet', { who: 'you' }, { wait: true });
    expect(greet).toMatchObject({ status: 'succeeded', result: { stdout: 'hello you\n', exit_code: 0 } });
    const add = await attune.run('hello.add', { a: 1, b: 2 }, { wait: true });
    expect(add).toMatchObject({ status: 'succeeded', result: { sum: 3 } });
    const shout = await attune.run('hello.shout', { text: 'hi' }, { wait: true });
    expect(shout).toMatchObject({ status: 'succeeded', result: { loud: 'HI' } });
    const notify = await attune.run('hello.notify', { to: 'ops' }, { wait: true });
    expect(notify).toMatchObject({ status: 'succeeded', result: { sent: true, to: 'ops' } });
  });

  it('the rule runs hello.greet with the rendered parameters only for a matching alert', async () => {
    const sql = probe(attune).sql;
    const ran = async (host: string) =>
      sql<
        { status: string; parameters: { who: string } }[]
      >`select status, parameters from execution where action_ref = 'hello.greet' and parameters->>'who' like ${`${host} %`}`;
    await attune.emit('hello.alert', { host: 'web-1', severity: 'high' });
    await attune.emit('hello.alert', { host: 'db-2', severity: 'low' });
    await attune.emit('hello.alert', { host: 'db-1', severity: 'high' });
    await eventually('the matching alert ran hello.greet', async () => (await ran('db-1'))[0]?.status === 'succeeded');
    expect((await ran('db-1'))[0]?.parameters).toEqual({ who: 'db-1 (HIGH)' });
    const events = await sql`select 1 from event where trigger_ref = 'hello.alert'`;
    expect(events).toHaveLength(3);
    expect([...(await ran('web-1')), ...(await ran('db-2'))]).toEqual([]);
  });
});
