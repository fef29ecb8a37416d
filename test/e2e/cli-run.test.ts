// The `attune` command as a user types it (through /bin/sh, with shell quoting): run, --wait,
// --json, --timeout, typed values, bad parameters, cancel, rerun, workers.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, runCli, eventually, testAttune } from '../helpers.ts';

const rtPackDir = fileURLToPath(new URL('../fixtures/rt-pack', import.meta.url));
let attune: Attune;

const cli = (args: string) => runCli(attune, args);

beforeAll(async () => {
  attune = await testAttune('clirun');
  await attune.packs.load(corePackDir);
  await attune.packs.load(rtPackDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager'] });
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('attune run', () => {
  it("`attune run core.echo message='$(touch …)' --wait` prints the text and creates no file", async () => {
    const marker = path.join(os.tmpdir(), `attune-e2e-${process.pid}-${Date.now()}`);
    const r = await cli(`run core.echo message='$(touch ${marker})' --wait`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok {3}execution \\d+ core\\.echo succeeded in \\d+ ms: \\$\\(touch ${marker.replace(/[.]/g, '\\.')}\\)\\n$`));
    expect(existsSync(marker)).toBe(false);
  });

  it('parses values by the declared types; --json prints the execution', async () => {
    const r = await cli(`run rt.shell_params s='a b; c' i=42 n=-3.5 b=yes o='{"k":[1]}' a='[1,"x"]' e=red --wait --json`);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as { status: string; parameters: unknown };
    expect(e.status).toBe('succeeded');
    expect(e.parameters).toEqual({ s: 'a b; c', i: 42, n: -3.5, b: true, o: { k: [1] }, a: [1, 'x'], e: 'red' });
  });

  it('bad parameters: exit 1 and a message naming the parameter; nothing is requested', async () => {
    const before = (await attune.executions.list({ limit: 10_000 })).length;
    const [missing, typed, unknown] = await Promise.all([cli('run core.echo'), cli('run rt.shell_params i=forty'), cli('run nope.nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('attune: cannot run core.echo: parameter "message" is required\n');
    expect(typed.code).toBe(1);
    expect(typed.stderr).toBe('attune: parameter "i" must be of type integer, got "forty"\n');
    expect(unknown.stderr).toBe('attune: action "nope.nothing" does not exist (load its pack first)\n');
    expect((await attune.executions.list({ limit: 10_000 })).length).toBe(before);
  });

  it('--wait exits 1 unless the execution succeeded; --timeout overrides the action timeout', async () => {
    const [failed, slow] = await Promise.all([
      cli('run rt.fail --wait'),
      cli(`run rt.tree pidfile=${path.join(os.tmpdir(), `attune-e2e-tree-${process.pid}`)} --timeout 0.5 --wait`),
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAIL execution \d+ rt\.fail failed in \d+ ms: exit code 3: something broke\nsomething broke\n$/);
    expect(slow.code).toBe(1);
    expect(slow.stdout).toMatch(/rt\.tree timeout in \d+ ms: timed out after 500 ms/);
  });
});

describe('attune execution cancel|rerun, attune workers', () => {
  it('cancels a running execution', async () => {
    const e = await attune.run('core.sleep', { seconds: 30 });
    await eventually('running', async () => (await attune.executions.get(e.id))?.status === 'running');
    const r = await cli(`execution cancel ${e.id}`);
    expect(r).toMatchObject({ code: 0, stdout: `execution ${e.id} canceling\n` });
    expect((await attune.executions.wait(e.id, { timeoutMs: 10_000 })).status).toBe('canceled');
    const again = await cli(`execution cancel ${e.id}`);
    expect(again).toMatchObject({ code: 1, stderr: `attune: execution ${e.id} already ended canceled; nothing to cancel\n` });
  });

  it('reruns an execution, linked to the original', async () => {
    const e = await attune.run('core.echo', { message: 'once more' }, { wait: true });
    const r = await cli(`execution rerun ${e.id} --wait --json`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ retry_of: e.id, attempt: 2, status: 'succeeded', result: { stdout: 'once more\n' } });
  });

  it('lists workers with liveness and load', async () => {
    const [json, text] = await Promise.all([cli('workers --json'), cli('workers')]);
    expect(json.code).toBe(0);
    const ws = JSON.parse(json.stdout) as { live: boolean; runtimes: string[]; running: number; concurrency: number }[];
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatchObject({ live: true, runtimes: ['shell', 'python', 'node'], concurrency: 16 });
    expect(text.stdout).toMatch(/^ID +STATE +HEARTBEAT +LOAD +RUNTIMES +HOST +VERSION\n\S+ +live +\d+\.\d s ago +\d+\/16 +shell,python,node /);
  });
});
