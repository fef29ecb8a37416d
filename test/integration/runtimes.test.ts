// Runs real shell, python3 and node processes through runAction; no Redis or Postgres needed.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction } from '../../src/runtimes/run-action.ts';
import type { ActionSpec, InProcessHandler, RunLimits, RunOptions } from '../../src/runtimes/types.ts';

const log = pino({ level: 'silent' });
const ctx = { executionId: 7, actionRef: 'test.action', trace: 'trace-abc', attempt: 2 };
const baseLimits: RunLimits = { timeoutMs: 10_000, outputLimitBytes: 1_000_000, killGraceMs: 2_000 };
let tmp = '';
let pack = '';

function run(spec: Partial<ActionSpec>, params: Record<string, unknown> = {}, limits: Partial<RunLimits> = {}, options: Partial<RunOptions> = {}) {
  const full: ActionSpec = { ref: 'test.action', runtime: 'shell', command: null, entryPoint: null, packPath: pack, ...spec };
  return runAction(full, params, ctx, { ...baseLimits, ...limits }, { log, ...options });
}

async function waitFor(cond: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Gone, or a zombie nobody reaped (PID 1 of a container may not reap). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const PY_ECHO = `import json, os, sys
data = json.load(sys.stdin)
env = {k: v for k, v in os.environ.items() if k.startswith('ATTUNE_')}
print('log line before the result')
print(json.dumps({'stdin': data, 'env': env, 'cwd': os.getcwd()}))
`;
const JS_ECHO = `let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ATTUNE_')));
  console.log('log line before the result');
  console.log(JSON.stringify({ stdin: JSON.parse(input), env, cwd: process.cwd() }));
});
`;

beforeAll(async () => {
  tmp = realpathSync(await mkdtemp(path.join(os.tmpdir(), 'attune-runtimes-')));
  pack = path.join(tmp, 'pack');
  await mkdir(path.join(pack, 'actions', 'lib'), { recursive: true });
  await writeFile(path.join(pack, 'actions', 'hello.sh'), 'read -r line\necho "script got $line"\necho "msg=$ATTUNE_PARAM_MSG"\n');
  await writeFile(path.join(pack, 'actions', 'echo_params.py'), PY_ECHO);
  await writeFile(path.join(pack, 'actions', 'lib', 'echo_params.js'), JS_ECHO);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const typed = { s: 'hello wörld ✓', i: 42, n: -3.5, b: true, o: { a: [1, { b: null }], c: 'x' }, a: [1, 'two', false, null] };
const typedEnv = {
  ATTUNE_PARAM_S: 'hello wörld ✓',
  ATTUNE_PARAM_I: '42',
  ATTUNE_PARAM_N: '-3.5',
  ATTUNE_PARAM_B: 'true',
  ATTUNE_PARAM_O: '{"a":[1,{"b":null}],"c":"x"}',
  ATTUNE_PARAM_A: '[1,"two",false,null]',
};
const scripts = [
  { runtime: 'python', entryPoint: 'echo_params.py' },
  { runtime: 'node', entryPoint: 'lib/echo_params.js' },
];

describe('child-process runtimes', () => {
  it('runs a shell command in the pack actions folder with the run context in env', async () => {
    const out = await run({ runtime: 'SHELL', command: 'echo hi; pwd; echo "$ATTUNE_EXECUTION_ID $ATTUNE_ACTION_REF $ATTUNE_TRACE $ATTUNE_ATTEMPT"' });
    expect(out).toMatchObject({ status: 'succeeded', exitCode: 0, reason: null, stderr: '' });
    expect(out.stdout).toBe(`hi\n${path.join(pack, 'actions')}\n7 test.action trace-abc 2\n`);
    expect(out.result).toEqual({ stdout: out.stdout, stderr: '', exit_code: 0 });
  });

  it('runs in the temp folder when the action has no pack', async () => {
    const out = await run({ command: 'pwd', packPath: null });
    expect(out.stdout.trim()).toBe(realpathSync(os.tmpdir()));
  });

  it('runs a shell script file, parameters on stdin and env', async () => {
    const out = await run({ entryPoint: 'hello.sh' }, { msg: 'yo' });
    expect(out.status).toBe('succeeded');
    expect(out.stdout).toBe('script got {"msg":"yo"}\nmsg=yo\n');
  });

  it.each(scripts)('runs a $runtime script with parameters of every type on stdin and env, JSON last line as result', async (spec) => {
    const out = await run(spec, typed);
    expect(out.status).toBe('succeeded');
    expect(out.stdout.startsWith('log line before the result\n')).toBe(true);
    expect(out.result.stdin).toEqual(typed);
    expect(out.result.cwd).toBe(path.join(pack, 'actions'));
    expect(out.result.env).toEqual({ ...typedEnv, ATTUNE_EXECUTION_ID: '7', ATTUNE_ACTION_REF: 'test.action', ATTUNE_TRACE: 'trace-abc', ATTUNE_ATTEMPT: '2' });
    expect(out.result).toMatchObject({ exit_code: 0, stderr: '' });
  });

  it('passes parameters of every type to a shell command, and upper-cases names', async () => {
    const out = await run(
      {
        command:
          'cat; printf \'%s|\' "$ATTUNE_PARAM_S" "$ATTUNE_PARAM_I" "$ATTUNE_PARAM_N" "$ATTUNE_PARAM_B" "$ATTUNE_PARAM_O" "$ATTUNE_PARAM_A" "$ATTUNE_PARAM_MYPARAM"',
      },
      { ...typed, myParam: 'm' },
    );
    const [stdin, env] = out.stdout.split('\n');
    expect(JSON.parse(stdin ?? '')).toEqual({ ...typed, myParam: 'm' });
    expect(env).toBe(`${Object.values(typedEnv).join('|')}|m|`);
  });

  it('merges a JSON object last line into the result; the standard fields stay truthful', async () => {
    const out = await run({ command: `echo 'some log'; echo '{"answer": 42, "exit_code": 99, "nested": {"x": [1]}}'; echo; echo '  '` });
    expect(out.result).toMatchObject({ answer: 42, nested: { x: [1] }, exit_code: 0, stdout: out.stdout });
    const arr = await run({ command: `echo '{"a": 1}'; echo '[1, 2]'` });
    expect(Object.keys(arr.result).sort()).toEqual(['exit_code', 'stderr', 'stdout']);
  });

  it('fails on a non-zero exit with the last stderr line, still merging a JSON result', async () => {
    const out = await run({ command: `echo '{"error": "bad"}'; echo first >&2; echo 'last words' >&2; exit 3` });
    expect(out).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exit code 3: last words', stderr: 'first\nlast words\n' });
    expect(out.result).toMatchObject({ error: 'bad', exit_code: 3 });
    const sig = await run({ command: 'kill -9 $$' });
    expect(sig).toMatchObject({ status: 'failed', exitCode: null, reason: 'killed by signal SIGKILL' });
  });

  it.each(['shell', 'python', 'node'])('fails clearly when the %s script is missing', async (runtime) => {
    const out = await run({ runtime, entryPoint: 'nope/missing.script' });
    expect(out).toMatchObject({ status: 'failed', reason: `script not found: ${path.join(pack, 'actions', 'nope', 'missing.script')}` });
  });

  it('fails clearly on an unknown runtime, a missing pack folder or a spec without anything to run', async () => {
    expect((await run({ runtime: 'ruby', command: 'puts 1' })).reason).toMatch(/unknown runtime "ruby"/);
    const noDir = await run({ command: 'echo hi', packPath: path.join(tmp, 'no-such-pack') });
    expect(noDir).toMatchObject({ status: 'failed', reason: `working directory not found: ${path.join(tmp, 'no-such-pack', 'actions')}` });
    expect((await run({ runtime: 'python', entryPoint: 'x.py', packPath: null })).reason).toMatch(/relative but the action has no pack folder/);
    expect((await run({ runtime: 'shell' })).reason).toMatch(/neither a command nor an entry point/);
    expect((await run({ runtime: 'node', entryPoint: null })).status).toBe('failed');
  });

  it('on timeout kills the whole process group, a backgrounded grandchild holding stdout included', async () => {
    // A grandchild of 300 s: were the run to wait for it, the test would time out (speed: bench `settle.timeout`).
    const out = await run({ command: 'sleep 300 & echo $!; sleep 300' }, {}, { timeoutMs: 300 });
    expect(out).toMatchObject({ status: 'timeout', reason: 'timed out after 300 ms', exitCode: null });
    const grandchild = Number(out.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(() => isGone(grandchild), `grandchild ${grandchild} to die`);
  });

  it('settles when the action exits while a grandchild keeps stdout open, and kills that grandchild', async () => {
    // Were the run to wait for the 300 s grandchild, the test would time out (speed: bench `settle.exit`).
    const out = await run({ command: 'sleep 300 & echo $!' });
    expect(out.status).toBe('succeeded');
    await waitFor(() => isGone(Number(out.stdout.trim())), 'grandchild to die');
  });

  it('caps stdout and stderr each and says how much was cut, on a character boundary', async () => {
    const out = await run({ command: "head -c 5000 /dev/zero | tr '\\0' a; head -c 3000 /dev/zero | tr '\\0' b >&2" }, {}, { outputLimitBytes: 1000 });
    expect(out.status).toBe('succeeded');
    expect(out.stdout).toBe(`${'a'.repeat(1000)}\n…[truncated: 4000 more bytes]`);
    expect(out.stderr).toBe(`${'b'.repeat(1000)}\n…[truncated: 2000 more bytes]`);
    expect(out.result.stdout).toBe(out.stdout);
    const utf8 = await run({ command: "printf 'ééé'" }, {}, { outputLimitBytes: 5 });
    expect(utf8.stdout).toBe('éé\n…[truncated: 2 more bytes]');
  });
});

describe('cancel', () => {
  it('sends SIGTERM to the group, then SIGKILL after the grace period to a process that traps TERM', async () => {
    const ready = path.join(tmp, 'cancel-ready');
    const mark = path.join(tmp, 'cancel-term');
    const ac = new AbortController();
    const command = 'trap \'echo term >> "$ATTUNE_PARAM_MARK"\' TERM; echo $$; touch "$ATTUNE_PARAM_READY"; while :; do sleep 0.05; done';
    const pending = run({ command }, { ready, mark }, { killGraceMs: 500 }, { signal: ac.signal });
    await waitFor(() => existsSync(ready), 'the action to be ready');
    const aborted = Date.now();
    ac.abort();
    const out = await pending;
    expect(out).toMatchObject({ status: 'canceled', reason: 'canceled', exitCode: null });
    expect(Date.now() - aborted).toBeGreaterThanOrEqual(450);
    expect(await readFile(mark, 'utf8')).toContain('term');
    await waitFor(() => isGone(Number(out.stdout.trim())), 'the action to die');
  });

  it('is canceled without waiting the grace period when the action exits on SIGTERM', async () => {
    const ready = path.join(tmp, 'graceful-ready');
    const ac = new AbortController();
    // `wait` (unlike a foreground child) is interrupted by the trapped signal at once.
    const command = 'trap \'echo got-term; exit 0\' TERM; sleep 300 & touch "$ATTUNE_PARAM_READY"; wait';
    // A grace period longer than the test's timeout: waiting it would fail the test (speed: bench `settle.cancel`).
    const pending = run({ command }, { ready }, { killGraceMs: 600_000 }, { signal: ac.signal });
    await waitFor(() => existsSync(ready), 'the action to be ready');
    ac.abort();
    const out = await pending;
    expect(out).toMatchObject({ status: 'canceled', stdout: 'got-term\n' });
  });

  it('does not start an action whose signal is already aborted', async () => {
    const marker = path.join(tmp, 'never-started');
    const out = await run({ command: `touch ${marker}` }, {}, {}, { signal: AbortSignal.abort() });
    expect(out).toMatchObject({ status: 'canceled', reason: 'canceled before start' });
    expect(existsSync(marker)).toBe(false);
  });
});

describe('in-process handlers', () => {
  const withHandler = (h: InProcessHandler, limits: Partial<RunLimits> = {}, signal?: AbortSignal, runtime = 'node') =>
    run({ runtime, ref: 'app.handler' }, { x: 1 }, limits, { handlers: new Map([['app.handler', h]]), signal });

  it('merges a returned plain object into the result and passes the context', async () => {
    let seen: unknown;
    const out = await withHandler(
      async (params, hctx) => {
        await Promise.resolve();
        seen = { params, executionId: hctx.executionId, trace: hctx.trace, aborted: hctx.signal.aborted };
        return { sent: true, id: 'm-1' };
      },
      {},
      undefined,
      'Node',
    );
    expect(out).toMatchObject({ status: 'succeeded', reason: null, exitCode: null, result: { sent: true, id: 'm-1' } });
    expect(seen).toEqual({ params: { x: 1 }, executionId: 7, trace: 'trace-abc', aborted: false });
  });

  it('puts any other value in result.value', async () => {
    expect((await withHandler(() => Promise.resolve(42))).result).toEqual({ value: 42 });
    expect((await withHandler(() => Promise.resolve([1, 2]))).result).toEqual({ value: [1, 2] });
    expect((await withHandler(() => Promise.resolve(undefined))).result).toEqual({});
  });

  it('fails with the error message when the handler throws, synchronously or not', async () => {
    expect(await withHandler(() => Promise.reject(new Error('smtp down')))).toMatchObject({ status: 'failed', reason: 'smtp down' });
    const sync: InProcessHandler = () => {
      throw new Error('sync boom');
    };
    expect(await withHandler(sync)).toMatchObject({ status: 'failed', reason: 'sync boom' });
  });

  it('times out a handler that ignores its signal, and aborts the signal', async () => {
    let signal: AbortSignal | undefined;
    const out = await withHandler(
      (_p, hctx) => {
        signal = hctx.signal;
        return new Promise(() => {});
      },
      { timeoutMs: 100 },
    );
    expect(out).toMatchObject({ status: 'timeout', reason: 'timed out after 100 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('is canceled through its signal', async () => {
    const ac = new AbortController();
    let started = false;
    const pending = withHandler(
      (_p, hctx) => {
        started = true;
        return new Promise((_resolve, reject) => hctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      {},
      ac.signal,
    );
    await waitFor(() => started, 'the handler to start');
    ac.abort();
    expect(await pending).toMatchObject({ status: 'canceled', reason: 'canceled' });
  });
});

describe('parameters are data, never code', () => {
  const sentinel = (k: string) => path.join(tmp, `pwned-${k}`);
  const victim = () => path.join(tmp, 'victim');
  const hostile = () => ({
    subst: `$(touch ${sentinel('subst')})`,
    tick: `\`touch ${sentinel('tick')}\``,
    id: '`id`',
    semi: `; touch ${sentinel('semi')}; rm -rf ${victim()}`,
    quotes: `it's "quoted" \\ $HOME '$(touch ${sentinel('q')})'`,
    newline: `line1\nline2; touch ${sentinel('nl')}\n`,
    nul: `before\0after$(touch ${sentinel('nul')})`,
  });
  const assertNothingRan = () => {
    for (const k of ['subst', 'tick', 'semi', 'q', 'nl', 'nul']) expect(existsSync(sentinel(k)), sentinel(k)).toBe(false);
    expect(existsSync(path.join(victim(), 'keep'))).toBe(true);
  };

  beforeAll(async () => {
    await mkdir(victim(), { recursive: true });
    await writeFile(path.join(victim(), 'keep'), 'x');
  });

  it('reach a shell command verbatim through env and stdin, even expanded unquoted', async () => {
    const params = hostile();
    const outDir = path.join(tmp, 'shell-out');
    await mkdir(outDir);
    const names = Object.keys(params).map((n) => n.toUpperCase());
    const command = [
      ...names.map((n) => `printf '%s' "$ATTUNE_PARAM_${n}" > '${outDir}/${n}'`),
      `echo ${names.map((n) => `$ATTUNE_PARAM_${n}`).join(' ')}`,
      `cat > '${outDir}/stdin.json'`,
    ].join('; ');
    const out = await run({ command }, params);
    expect(out.status).toBe('succeeded');
    expect(out.stdout).not.toMatch(/uid=/);
    for (const [name, value] of Object.entries(params)) {
      const got = await readFile(path.join(outDir, name.toUpperCase()), 'utf8');
      expect(got, name).toBe(name === 'nul' ? '' : value);
    }
    expect(JSON.parse(await readFile(path.join(outDir, 'stdin.json'), 'utf8'))).toEqual(params);
    assertNothingRan();
  });

  it.each(scripts)('reach a $runtime script verbatim; a NUL string is on stdin only', async (spec) => {
    const params = hostile();
    const out = await run(spec, params);
    expect(out.status).toBe('succeeded');
    expect(out.result.stdin).toEqual(params);
    const env = out.result.env as Record<string, string>;
    for (const [name, value] of Object.entries(params)) {
      if (name === 'nul') expect(env).not.toHaveProperty('ATTUNE_PARAM_NUL');
      else expect(env[`ATTUNE_PARAM_${name.toUpperCase()}`], name).toBe(value);
    }
    assertNothingRan();
  });

  it('keeps parameter names that are not identifiers out of env', async () => {
    const out = await run({ runtime: 'python', entryPoint: 'echo_params.py' }, { 'a=b; touch x': 'v', ok: 'y' });
    expect(out.result.stdin).toEqual({ 'a=b; touch x': 'v', ok: 'y' });
    expect(Object.keys(out.result.env as object).filter((k) => k.startsWith('ATTUNE_PARAM_'))).toEqual(['ATTUNE_PARAM_OK']);
  });
});
