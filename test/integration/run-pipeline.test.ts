// Manual runs through the whole pipeline (run → scheduler → worker → manager → Postgres) with real
// shell, python3 and node child processes: parameters of every type, text and JSON results,
// failures, bad parameters, hostile strings, timeout of a process tree, the output cap, rerun.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, processAlive, testAttune } from '../helpers.ts';

const rtPackDir = fileURLToPath(new URL('../fixtures/rt-pack', import.meta.url));
let attune: Attune;
let tmp = '';
let server: Server;
let serverUrl = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'attune-run-'));
  attune = await testAttune('runpipe', { worker: { outputLimitBytes: 4096, concurrency: 8 } });
  await attune.packs.load(corePackDir);
  await attune.packs.load(rtPackDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager'] });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-test': 'yes' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  serverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await disposeAttune(attune);
  await rm(tmp, { recursive: true, force: true });
});

const typed = { s: 'hello wörld ✓', i: 42, n: -3.5, b: true, o: { a: [1, { b: null }], c: 'x' }, a: [1, 'two', false, null] };

describe('each runtime through the pipeline', () => {
  it('shell: parameters of every type on stdin and as ATTUNE_PARAM_*, a JSON last line becomes the result', async () => {
    const e = await attune.run('rt.shell_params', typed, { wait: true });
    expect(e.status).toBe('succeeded');
    expect(e.result).toMatchObject({ ...typed, e: 'green', exit_code: 0 }); // the default of `e` was applied
    expect(e.result?.stdout).toContain(`s=${typed.s}\n`);
    expect(e.parameters).toEqual({ ...typed, e: 'green' });
    expect(e.started_at).not.toBeNull();
  });

  for (const [runtime, ref, hello] of [
    ['python', 'rt.python_params', 'python says hello'],
    ['node', 'rt.node_params', 'node says hello'],
  ] as const) {
    it(`${runtime}: parameters of every type, env and context variables, JSON result`, async () => {
      const e = await attune.run(ref, { ...typed, e: 'red' }, { wait: true });
      expect(e.status).toBe('succeeded');
      const r = e.result as { got: unknown; env: Record<string, string>; stdout: string };
      expect(r.got).toEqual({ ...typed, e: 'red' });
      expect(r.stdout).toContain(hello);
      expect(r.env).toMatchObject({
        ATTUNE_PARAM_S: typed.s,
        ATTUNE_PARAM_I: '42',
        ATTUNE_PARAM_N: '-3.5',
        ATTUNE_PARAM_B: 'true',
        ATTUNE_PARAM_O: JSON.stringify(typed.o),
        ATTUNE_PARAM_A: JSON.stringify(typed.a),
        ATTUNE_PARAM_E: 'red',
        ATTUNE_EXECUTION_ID: String(e.id),
        ATTUNE_ACTION_REF: ref,
        ATTUNE_TRACE: e.trace,
        ATTUNE_ATTEMPT: '1',
      });
    });
  }

  it('a text result stays text: stdout, stderr, exit_code only', async () => {
    const e = await attune.run('rt.text', {}, { wait: true });
    expect(e.status).toBe('succeeded');
    expect(e.result).toEqual({ stdout: 'plain text\nno json here\n', stderr: '', exit_code: 0 });
  });

  it('a non-zero exit is failed, with stderr, the exit code and a reason quoting stderr', async () => {
    const e = await attune.run('rt.fail', {}, { wait: true });
    expect(e.status).toBe('failed');
    expect(e.exit_code).toBe(3);
    expect(e.stderr).toBe('something broke\n');
    expect(e.stdout).toBe('partial output\n');
    expect(e.status_reason).toBe('exit code 3: something broke');
  });
});

describe('parameters are validated before anything runs', () => {
  it.each([
    ['rt.shell_params', { i: 1.5 }, 'parameter "i" must be of type integer'],
    ['rt.shell_params', { e: 'blue' }, 'parameter "e" must be one of "red", "green"'],
    ['rt.shell_params', { nope: 1 }, 'unknown parameter "nope"'],
    ['rt.tree', {}, 'parameter "pidfile" is required'],
    ['core.echo', { message: 5 }, 'parameter "message" must be of type string, got number'],
  ])('%s %j is refused: %s', async (ref, params, message) => {
    const before = (await attune.executions.list({ limit: 10_000 })).length;
    await expect(attune.run(ref, params)).rejects.toThrow(message);
    expect((await attune.executions.list({ limit: 10_000 })).length).toBe(before);
  });

  it('an unknown action is refused by name', async () => {
    await expect(attune.run('rt.missing', {})).rejects.toThrow('action "rt.missing" does not exist');
  });
});

describe('hostile parameter values reach the action verbatim and execute nothing', () => {
  const marker = () => path.join(tmp, `pwned-${Math.random().toString(36).slice(2)}`);
  it('in every runtime, through env and stdin', async () => {
    const m = marker();
    const values = [
      `$(touch ${m})`,
      `\`touch ${m}\``,
      '`id`',
      `; touch ${m}; rm -rf /nonexistent-attune`,
      `' " \\' \\"`,
      'line1\nline2\r\n',
      `nul\u0000byte $(touch ${m})`,
      `| touch ${m} &`,
    ];
    const cases = ['rt.shell_params', 'rt.python_params', 'rt.node_params'].flatMap((ref) => values.map((s) => [ref, s] as const));
    const runs = await Promise.all(cases.map(([ref, s]) => attune.run(ref, { s }, { wait: true })));
    for (const [i, [ref, s]] of cases.entries()) {
      {
        const e = runs[i]!;
        expect(e.status, `${ref} ${JSON.stringify(s)}`).toBe('succeeded');
        // The action's own JSON line (NUL escaped as \u0000 by JSON) shows what it received.
        const line = JSON.parse(String(e.result?.stdout).trim().split('\n').at(-1) ?? '') as { s?: string; got?: { s: string } };
        expect(ref === 'rt.shell_params' ? line.s : line.got?.s, `${ref} ${JSON.stringify(s)}`).toBe(s);
        // Stored rows cannot hold NUL (Postgres): it is shown as ␀ there.
        expect(e.parameters).toEqual({ s: s.replace(/\0/g, '\u2400'), e: 'green' });
        if (ref === 'rt.shell_params' && !s.includes('\0')) expect(e.result?.stdout).toContain(`s=${s}\n`);
      }
    }
    const echoed = await attune.run('core.echo', { message: `$(touch ${m})` }, { wait: true });
    expect(echoed.result?.stdout).toBe(`$(touch ${m})\n`);
    expect(existsSync(m)).toBe(false);
  });

  it('core.local runs the command it is given (the command text is the parameter)', async () => {
    const m = marker();
    const e = await attune.run('core.local', { cmd: `touch ${m} && echo made it` }, { wait: true });
    expect(e.status).toBe('succeeded');
    expect(e.result?.stdout).toBe('made it\n');
    expect(existsSync(m)).toBe(true);
  });
});

describe('limits', () => {
  it('a timeout kills the whole process group, children too, and ends `timeout`', async () => {
    const pidfile = path.join(tmp, 'tree.pid');
    const e = await attune.run('rt.tree', { pidfile }, { timeoutMs: 1000, wait: true });
    expect(e.status).toBe('timeout');
    expect(e.status_reason).toBe('timed out after 1000 ms');
    const child = Number(readFileSync(pidfile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    await eventually('the backgrounded child is gone', () => !processAlive(child), 5000);
  });

  it('output past the cap is cut, and the cut is said', async () => {
    const e = await attune.run('rt.loud', {}, { wait: true });
    expect(e.status).toBe('succeeded');
    const out = String(e.result?.stdout);
    expect(out).toMatch(/^x{4096}\n…\[truncated: \d+ more bytes\]$/);
    expect(out).not.toContain('done');
  });
});

describe('rerun and the other core actions', () => {
  it('rerun runs the same action and parameters again, linked to the original', async () => {
    const first = await attune.run('core.echo', { message: 'again' }, { wait: true });
    const second = await attune.executions.rerun(first.id, { wait: true });
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ action_ref: 'core.echo', parameters: { message: 'again' }, retry_of: first.id, attempt: 2, status: 'succeeded' });
    expect(second.result?.stdout).toBe('again\n');
  });

  it('core.noop and core.sleep succeed', async () => {
    expect((await attune.run('core.noop', {}, { wait: true })).status).toBe('succeeded');
    const slept = await attune.run('core.sleep', { seconds: 0.2 }, { wait: true });
    expect(slept.status).toBe('succeeded');
  });

  it('core.http sends the request with Node fetch and returns status, headers and body', async () => {
    const e = await attune.run(
      'core.http',
      { url: `${serverUrl}/things?x=1`, method: 'POST', headers: { authorization: 'Bearer abc', 'content-type': 'text/plain' }, body: 'hi' },
      { wait: true },
    );
    expect(e.status).toBe('succeeded');
    expect(e.result).toMatchObject({
      status: 201,
      ok: true,
      headers: { 'x-test': 'yes' },
      json: { method: 'POST', url: '/things?x=1', body: 'hi', auth: 'Bearer abc' },
    });
    const bad = await attune.run('core.http', { url: 'http://127.0.0.1:1/' }, { wait: true });
    expect(bad.status).toBe('failed');
    expect(bad.status_reason).toMatch(/fetch failed/);
  });
});
