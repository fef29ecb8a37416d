/** `attune rule create|update|list|get|enable|disable|delete` and `attune demo`, as a user runs them: exit codes, output, redaction. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropIsolation, eventually, isolation } from '../support.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const iso = isolation('clirules');
// A configured key, as in production: without one, saving a webhook rule warns that its token is sealed with a generated key.
const env = {
  ...process.env,
  ATTUNE_NAMESPACE: iso.namespace,
  ATTUNE_DB_SCHEMA: iso.schema,
  ATTUNE_LOG_LEVEL: 'warn',
  ATTUNE_SECRET_KEY: 'cli-rules-key-0123456789abcdef',
};
const run = promisify(execFile);
const TOKEN = 'tok-cli-0123456789abcdef';

async function attune(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the command and requires exit code 0; returns stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await attune(...args);
  expect(r.code, `attune ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

let dir: string;
async function ruleFile(name: string, body: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, body);
  return file;
}
const hook = (message: string) => `pack: core
name: cli_hook
trigger:
  type: core.webhook
  parameters: { name: cli, token: ${TOKEN} }
action:
  ref: core.echo
  parameters: { message: "${message}" }
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'attune-cli-rules-'));
  await ok('migrate');
  await ok('pack', 'load', fileURLToPath(new URL('../../packs/core', import.meta.url)));
}, 240_000); // two CLI starts on a loaded machine
afterAll(async () => {
  await dropIsolation(iso.namespace, iso.schema);
});

describe('attune rule', { timeout: 180_000 }, () => {
  it('create, get and list: the webhook token is never printed', async () => {
    expect(await ok('rule', 'create', await ruleFile('v1', hook('one')))).toBe('created rule core.cli_hook\n');
    const got = await ok('rule', 'get', 'core.cli_hook');
    expect(got).not.toContain(TOKEN);
    expect(JSON.parse(got)).toMatchObject({ ref: 'core.cli_hook', enabled: true, trigger_parameters: { name: 'cli', token: '********' } });
    const listed = await ok('rule', 'list', '--json');
    expect(listed).not.toContain(TOKEN);
    const rows = JSON.parse(listed) as { ref: string; trigger_parameters: Record<string, unknown> }[];
    expect(rows.map((r) => r.ref).sort()).toEqual(['core.cli_hook', 'core.hello_world_timer']);
    expect(rows.find((r) => r.ref === 'core.cli_hook')?.trigger_parameters.token).toBe('********');
    const human = await ok('rule', 'list');
    expect(human).toMatch(/^REF\s+ENABLED\s+TRIGGER_REF\s+ACTION_REF/);
    expect(human).toMatch(/core\.cli_hook\s+true\s+core\.webhook\s+core\.echo/);
    expect(human).not.toContain(TOKEN);
  });

  it('a second create of the same rule fails with exit code 1 and changes nothing', async () => {
    const again = await attune('rule', 'create', await ruleFile('v1b', hook('other')));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/core\.cli_hook/);
    expect(JSON.parse(await ok('rule', 'get', 'core.cli_hook'))).toMatchObject({ action_params: { message: 'one' } });
  });

  it('update replaces the definition', async () => {
    expect(await ok('rule', 'update', await ruleFile('v2', hook('two')))).toBe('updated rule core.cli_hook\n');
    expect(JSON.parse(await ok('rule', 'get', 'core.cli_hook'))).toMatchObject({ action_params: { message: 'two' } });
  });

  it('disable and enable', async () => {
    expect(await ok('rule', 'disable', 'core.cli_hook')).toBe('disabled rule core.cli_hook\n');
    expect(JSON.parse(await ok('rule', 'get', 'core.cli_hook'))).toMatchObject({ enabled: false });
    expect(await ok('rule', 'enable', 'core.cli_hook')).toBe('enabled rule core.cli_hook\n');
    expect(JSON.parse(await ok('rule', 'get', 'core.cli_hook'))).toMatchObject({ enabled: true });
  });

  it('delete; afterwards get, enable and delete exit 1 naming the rule', async () => {
    expect(await ok('rule', 'delete', 'core.cli_hook')).toBe('deleted rule core.cli_hook\n');
    for (const verb of ['get', 'enable', 'disable', 'delete']) {
      const r = await attune('rule', verb, 'core.cli_hook');
      expect(r.code, `rule ${verb}`).toBe(1);
      expect(r.stderr, `rule ${verb}`).toMatch(/no rule "core\.cli_hook"/);
    }
    expect((JSON.parse(await ok('rule', 'list', '--json')) as { ref: string }[]).map((r) => r.ref)).toEqual(['core.hello_world_timer']);
  });

  it('an invalid rule file exits 1 with the field named', async () => {
    const r = await attune(
      'rule',
      'create',
      await ruleFile('bad', 'pack: core\nname: broken\ntrigger: { type: core.webhook, parameters: { name: x } }\naction: { ref: core.noop }\n'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs `token` or `secret`/);
  });
});

describe('attune demo', { timeout: 180_000 }, () => {
  it('prints each finished execution of the timer rule, and exits 0 on SIGTERM', async () => {
    const demo = spawn(process.execPath, [bin, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout.on('data', (b: Buffer) => (out += b.toString()));
    demo.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
    try {
      await eventually('an execution printed', () => /^ok {3}execution \d+ core\.echo succeeded in \d+ ms: hello, world$/m.test(out), 120_000);
      expect(out).toMatch(/^attune: core pack loaded \(1 rule, \d+ actions\); rule core\.hello_world_timer fires every 2 s\. Ctrl-C to stop\.$/m);
    } finally {
      demo.kill('SIGTERM');
    }
    expect(await exited, out).toBe(0);
  });
});
