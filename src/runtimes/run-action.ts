/**
 * Runs one action: a shell command or script, a python or node script as a child process, or an
 * in-process node handler. Failures of the action are outcomes, never exceptions.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toError } from '../errors.ts';
import { runChild } from './child-process.ts';
import type { ChildResult } from './child-process.ts';
import { buildResult, capResult, exitReason } from './output.ts';
import type { ActionSpec, InProcessHandler, RunContext, RunLimits, RunOptions, RunOutcome, RunStatus } from './types.ts';

const PARAM_ENV_PREFIX = 'ATTUNE_PARAM_';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Invocation {
  file: string;
  args: string[];
  /** The script file run, when there is one (to say "script not found" on failure). */
  script: string | null;
}

function outcome(
  status: RunStatus,
  reason: string | null,
  stdout = '',
  stderr = '',
  exitCode: number | null = null,
  result?: Record<string, unknown>,
): RunOutcome {
  return { status, exitCode, stdout, stderr, result: result ?? { stdout, stderr, exit_code: exitCode }, reason };
}

function timeoutReason(limits: RunLimits): string {
  return `timed out after ${limits.timeoutMs} ms`;
}

function hasTimeout(limits: RunLimits): boolean {
  return limits.timeoutMs > 0 && Number.isFinite(limits.timeoutMs);
}

/**
 * The child's environment: the worker's own, without inherited `ATTUNE_PARAM_*` (an action sees
 * only its own parameters), plus one `ATTUNE_PARAM_<NAME>` per parameter and the run context.
 */
export function actionEnv(params: Record<string, unknown>, ctx: RunContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith(PARAM_ENV_PREFIX)) env[k] = v;
  for (const [name, value] of Object.entries(params)) {
    // Names that are not identifiers (`=`, NUL, spaces…) cannot be env var names: stdin only.
    if (value === undefined || !ENV_NAME.test(name)) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    // An env var cannot hold a NUL byte (the OS ends the string there, and Node refuses it), so
    // a string parameter containing NUL gets no env var; it still arrives verbatim on stdin.
    // Other types are JSON-encoded, where NUL is escaped as \u0000.
    if (text === undefined || text.includes('\0')) continue;
    env[PARAM_ENV_PREFIX + name.toUpperCase()] = text;
  }
  env.ATTUNE_EXECUTION_ID = String(ctx.executionId);
  env.ATTUNE_ACTION_REF = ctx.actionRef;
  env.ATTUNE_TRACE = ctx.trace;
  env.ATTUNE_ATTEMPT = String(ctx.attempt);
  return env;
}

/** The script's absolute path: relative to `<packPath>/actions/` unless absolute. */
function scriptPath(spec: ActionSpec, actionsDir: string | null): string | { error: string } | null {
  if (!spec.entryPoint) return null;
  if (path.isAbsolute(spec.entryPoint)) return spec.entryPoint;
  if (actionsDir === null) return { error: `entry point "${spec.entryPoint}" is relative but the action has no pack folder` };
  return path.resolve(actionsDir, spec.entryPoint);
}

/** What to spawn for the action; python and node scripts run directly, without a shell. */
function invocation(spec: ActionSpec, runtime: string, actionsDir: string | null): Invocation | { error: string } {
  const script = scriptPath(spec, actionsDir);
  if (script !== null && typeof script !== 'string') return script;
  switch (runtime) {
    case 'shell':
      // The command text is trusted action metadata; parameters reach it only via env/stdin.
      if (spec.command) return { file: '/bin/sh', args: ['-c', spec.command], script: null };
      if (script !== null) return { file: '/bin/sh', args: [script], script };
      return { error: `shell action ${spec.ref} has neither a command nor an entry point` };
    case 'python':
      if (script !== null) return { file: 'python3', args: [script], script };
      return { error: `python action ${spec.ref} has no entry point` };
    case 'node':
      if (script !== null) return { file: process.execPath, args: [script], script };
      return { error: `node action ${spec.ref} has no entry point and no in-process handler is registered` };
    default:
      return { error: `unknown runtime "${spec.runtime}" for action ${spec.ref} (expected shell, python or node)` };
  }
}

async function missing(p: string): Promise<boolean> {
  try {
    await stat(p);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Turns how the child ended into an outcome; the file-system checks run only on failure. */
async function childOutcome(res: ChildResult, inv: Invocation, cwd: string, limits: RunLimits): Promise<RunOutcome> {
  const { stdout, stderr, exitCode } = res;
  switch (res.end) {
    case 'spawn-error': {
      const err = res.error ?? new Error('unknown spawn error');
      const code = (err as NodeJS.ErrnoException).code;
      let reason = `could not start ${inv.file}: ${err.message}`;
      if (code === 'ENOENT') {
        if (await missing(cwd)) reason = `working directory not found: ${cwd}`;
        else reason = `executable not found: ${inv.file}`;
      }
      return outcome('failed', reason);
    }
    case 'timeout':
      return outcome('timeout', timeoutReason(limits), stdout, stderr, exitCode);
    case 'canceled':
      return outcome('canceled', 'canceled', stdout, stderr, exitCode);
    case 'exited': {
      const result = buildResult(stdout, stderr, exitCode, true);
      if (exitCode === 0) return outcome('succeeded', null, stdout, stderr, 0, result);
      let reason = exitCode === null ? `killed by signal ${res.exitSignal ?? 'unknown'}` : exitReason(exitCode, stderr);
      if (inv.script !== null && (await missing(inv.script))) reason = `script not found: ${inv.script}`;
      return outcome('failed', reason, stdout, stderr, exitCode, result);
    }
  }
}

/** A plain object's fields become the result; any other value becomes `result.value`. */
function handlerResult(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value === 'object' && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return { ...(value as Record<string, unknown>) };
  }
  return { value };
}

/**
 * Calls an in-process handler. Timeout and cancel abort its signal and settle at once: a handler
 * cannot be killed, so one that ignores the signal runs on, but its outcome is no longer awaited.
 */
function runHandler(handler: InProcessHandler, params: Record<string, unknown>, ctx: RunContext, limits: RunLimits, options: RunOptions): Promise<RunOutcome> {
  return new Promise<RunOutcome>((resolve) => {
    const controller = new AbortController();
    const log = options.log.child({ executionId: ctx.executionId, actionRef: ctx.actionRef, trace: ctx.trace });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const done = (o: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCancel);
      resolve(o);
    };
    function onCancel(): void {
      controller.abort(new Error('canceled'));
      done(outcome('canceled', 'canceled', '', '', null, {}));
    }
    if (hasTimeout(limits)) {
      timer = setTimeout(
        () => {
          controller.abort(new Error(timeoutReason(limits)));
          done(outcome('timeout', timeoutReason(limits), '', '', null, {}));
        },
        Math.min(limits.timeoutMs, 2_147_483_647),
      );
    }
    options.signal?.addEventListener('abort', onCancel, { once: true });
    Promise.resolve()
      .then(() => handler(params, { ...ctx, signal: controller.signal, log }))
      .then(
        (value) => done(outcome('succeeded', null, '', '', null, capResult(handlerResult(value), limits.outputLimitBytes))),
        (e: unknown) => done(outcome('failed', toError(e).message, '', '', null, {})),
      );
  });
}

export async function runAction(
  spec: ActionSpec,
  params: Record<string, unknown>,
  ctx: RunContext,
  limits: RunLimits,
  options: RunOptions,
): Promise<RunOutcome> {
  const started = performance.now();
  let result: RunOutcome;
  try {
    result = await run(spec, params, ctx, limits, options);
  } catch (e) {
    result = outcome('failed', `internal error running the action: ${toError(e).message}`);
  }
  options.log.debug(
    {
      executionId: ctx.executionId,
      actionRef: ctx.actionRef,
      trace: ctx.trace,
      status: result.status,
      exitCode: result.exitCode,
      durationMs: Math.round(performance.now() - started),
    },
    'action run finished',
  );
  return result;
}

async function run(spec: ActionSpec, params: Record<string, unknown>, ctx: RunContext, limits: RunLimits, options: RunOptions): Promise<RunOutcome> {
  if (options.signal?.aborted) return outcome('canceled', 'canceled before start');
  const runtime = spec.runtime.toLowerCase();
  const handler = runtime === 'node' ? options.handlers?.get(spec.ref) : undefined;
  if (handler) return runHandler(handler, params, ctx, limits, options);

  const actionsDir = spec.packPath ? path.join(spec.packPath, 'actions') : null;
  const inv = invocation(spec, runtime, actionsDir);
  if ('error' in inv) return outcome('failed', inv.error);
  let stdin: string;
  try {
    // A trailing newline, so that `read line` in a shell action sees a complete line.
    stdin = `${JSON.stringify(params)}\n`;
  } catch (e) {
    return outcome('failed', `parameters cannot be encoded as JSON: ${toError(e).message}`);
  }
  const cwd = actionsDir ?? os.tmpdir();
  const res = await runChild({
    file: inv.file,
    args: inv.args,
    cwd,
    env: actionEnv(params, ctx),
    stdin,
    timeoutMs: limits.timeoutMs,
    outputLimitBytes: limits.outputLimitBytes,
    killGraceMs: limits.killGraceMs,
    signal: options.signal,
    label: `execution ${ctx.executionId} (${ctx.actionRef})`,
    onOutput: options.onOutput,
  });
  return childOutcome(res, inv, cwd, limits);
}
