/** The `attune` command as a user runs it: real child processes, own namespace and schema. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner, corePackDir, dropIsolation, eventually, isolation } from '../support.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const iso = isolation('cli');
const env = { ...process.env, ATTUNE_NAMESPACE: iso.namespace, ATTUNE_DB_SCHEMA: iso.schema, ATTUNE_LOG_LEVEL: 'warn' };
const attune = cliRunner(env);

afterAll(async () => {
  await dropIsolation(iso.namespace, iso.schema);
});

describe('attune CLI', () => {
  it('migrates, loads the core pack, emits', async () => {
    const m = await attune('migrate');
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/applied 0001_init\.sql/);
    expect((await attune('migrate')).stdout).toMatch(/schema is up to date/);
    const p = await attune('pack', 'load', corePackDir);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/loaded pack core: \d+ triggers, \d+ actions, 1 rules/);
    const e = await attune('emit', 'core.event', '{"hello":"world"}');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('rule get <ref> --json prints the rule, as cli.md documents', async () => {
    const r = await attune('rule', 'get', 'core.hello_world_timer', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ref: 'core.hello_world_timer' });
  });

  it('refuses bad input with one clear line and exit code 1', async () => {
    const badJson = await attune('emit', 'core.event', '{nope');
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/payload is not valid JSON/);
    const notObject = await attune('emit', 'core.event', '[1,2]');
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toMatch(/payload must be a JSON object/);
    const badActor = await attune('up', '--actors', 'sensor,bogus');
    expect(badActor.code).toBe(1);
    expect(badActor.stderr).toMatch(/unknown actor "bogus"/);
    const badStatus = await attune('execution', 'list', '--status', 'done');
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toMatch(/unknown status "done"/);
    const missing = await attune('execution', 'get', '999999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/execution 999999 does not exist/);
    const badPack = await attune('pack', 'load', '/nonexistent/pack');
    expect(badPack.code).toBe(1);
    expect(badPack.stderr).toMatch(/pack\.yaml: cannot read/);
  });

  it('`up` runs the demo rule, `execution list/get` and `streams` show it, SIGTERM drains and exits 0', async () => {
    const up = spawn(process.execPath, [bin, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    up.stdout.on('data', (b: Buffer) => (output += b.toString()));
    up.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)));
    try {
      const list = await eventually(
        'a succeeded execution listed',
        async () => {
          const r = await attune('execution', 'list', '--status', 'succeeded', '--json');
          const rows = JSON.parse(r.stdout || '[]') as { id: number; action_ref: string }[];
          return rows.length > 0 ? rows : null;
        },
        20_000,
        300,
      );
      const get = await attune('execution', 'get', String(list[0]!.id), '--json');
      expect(get.code, get.stderr).toBe(0);
      expect(JSON.parse(get.stdout)).toMatchObject({ action_ref: 'core.echo', status: 'succeeded', result: { stdout: 'hello, world\n' } });
      const human = await attune('execution', 'list');
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/^ID\s+ACTION_REF\s+STATUS/);
      const st = await attune('streams', '--json');
      expect(st.code, st.stderr).toBe(0);
      const streams = JSON.parse(st.stdout) as { type: string; groups: { name: string }[] }[];
      expect(streams.find((s) => s.type === 'event.created')?.groups.map((g) => g.name)).toEqual(['enforcer']);
      expect(streams.find((s) => s.type === 'execution.scheduled.shell')?.groups.map((g) => g.name)).toEqual(['worker']);
    } finally {
      up.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
