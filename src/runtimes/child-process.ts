/**
 * Runs one action process in its own process group: parameters as JSON on stdin, stdout and
 * stderr captured up to a cap, a timeout and a cancel signal that end the whole group.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { toError } from '../errors.ts';
import { OutputCapture } from './output.ts';
import { trackGroup, untrackGroup } from './running-groups.ts';
import type { OutputListener } from './types.ts';

export interface ChildRequest {
  file: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  stdin: string;
  /** Non-positive or non-finite: no timeout. */
  timeoutMs: number;
  outputLimitBytes: number;
  killGraceMs: number;
  signal?: AbortSignal;
  /** What the group runs, for the report of a process that kills it on exit (`execution 12 (core.local)`). */
  label?: string;
  onOutput?: OutputListener;
}

/** How the run ended: the process exited by itself, was killed by us, or never started. */
export type ChildEnd = 'exited' | 'timeout' | 'canceled' | 'spawn-error';

export interface ChildResult {
  end: ChildEnd;
  exitCode: number | null;
  /** The signal that ended the main process, if any. */
  exitSignal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when `end` is `spawn-error`. */
  error: Error | null;
}

/**
 * After the main process exits (and its group was killed), how long 'close' may take before we
 * stop waiting: a process that left the group (setsid) could hold the pipes open forever.
 */
const CLOSE_GRACE_MS = 5000;
/** setTimeout's largest delay; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

function timerMs(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_TIMER_MS);
}

/** Signals every process of the group led by `pid`; a group already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: no process left in the group.
  }
}

function ignore(): void {
  // stdin errors (EPIPE when the action does not read its input) are not the action's failure.
}

export function runChild(req: ChildRequest): Promise<ChildResult> {
  const stdout = new OutputCapture(req.outputLimitBytes);
  const stderr = new OutputCapture(req.outputLimitBytes);
  const result = (end: ChildEnd, exitCode: number | null, exitSignal: NodeJS.Signals | null, error: Error | null): ChildResult => ({
    end,
    exitCode,
    exitSignal,
    stdout: stdout.text(),
    stderr: stderr.text(),
    error,
  });
  if (req.signal?.aborted) return Promise.resolve(result('canceled', null, null, null));

  return new Promise<ChildResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(req.file, req.args, { cwd: req.cwd, env: req.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      resolve(result('spawn-error', null, null, toError(e)));
      return;
    }

    let killedBy: 'timeout' | 'canceled' | null = null;
    let exited = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    const finish = (spawnError: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      clearTimeout(closeTimer);
      req.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) untrackGroup(child.pid);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      const end: ChildEnd = spawnError ? 'spawn-error' : (killedBy ?? 'exited');
      resolve(result(end, exitCode, exitSignal, spawnError));
    };

    function onAbort(): void {
      if (exited || killedBy !== null) return;
      killedBy = 'canceled';
      killGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), timerMs(req.killGraceMs));
    }

    child.on('error', (e) => {
      // Without a pid the process never started (ENOENT, EACCES…); other errors come with 'exit'.
      if (child.pid === undefined) finish(e);
    });
    child.on('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      // The run ends with its main process: whatever it left in its group (backgrounded
      // children holding stdout open, say) is killed, and 'close' is awaited only briefly.
      killGroup(child.pid, 'SIGKILL');
      closeTimer = setTimeout(() => finish(null), CLOSE_GRACE_MS);
    });
    child.on('close', () => finish(null));

    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      req.onOutput?.('stdout', chunk.toString('utf8'));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      req.onOutput?.('stderr', chunk.toString('utf8'));
    });
    child.stdin?.on('error', ignore);
    if (child.pid !== undefined) {
      trackGroup(child.pid, req.label ?? req.file);
      child.stdin?.end(req.stdin);
    }

    if (req.timeoutMs > 0 && Number.isFinite(req.timeoutMs)) {
      timeoutTimer = setTimeout(() => {
        if (exited || killedBy !== null) return;
        killedBy = 'timeout';
        killGroup(child.pid, 'SIGKILL');
      }, timerMs(req.timeoutMs));
    }
    req.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
