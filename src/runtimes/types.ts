/** What the worker hands a runtime, and what it gets back. */
import type { Logger } from 'pino';
import type { InProcessHandler } from '../domain/action-handler.ts';

// The handler contract is in the domain: the context (below the runtimes) holds the handlers.
export type { HandlerContext, InProcessHandler, RunContext } from '../domain/action-handler.ts';

export interface ActionSpec {
  ref: string;
  /** `shell`, `python` or `node` (case-insensitive). */
  runtime: string;
  /** Shell command line (shell runtime, inline); parameters reach it only through env/stdin. */
  command: string | null;
  /** Script file, relative to `packPath/actions/` unless absolute. */
  entryPoint: string | null;
  /** Folder of the pack the action belongs to. */
  packPath: string | null;
}

export interface RunLimits {
  timeoutMs: number;
  /** Cap of stdout and of stderr each; what was cut is said. */
  outputLimitBytes: number;
  /** After SIGTERM (cancel), SIGKILL follows after this long. */
  killGraceMs: number;
}

export type RunStatus = 'succeeded' | 'failed' | 'timeout' | 'canceled';

export interface RunOutcome {
  status: RunStatus;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Structured result: `{ stdout, stderr, exit_code }`, plus the fields of a JSON object printed as the last stdout line. */
  result: Record<string, unknown>;
  /** Why it did not succeed, in words. */
  reason: string | null;
}

export interface RunOptions {
  /** Aborting cancels the run (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  handlers?: ReadonlyMap<string, InProcessHandler>;
  log: Logger;
  /** Called with each chunk of the child's output as it arrives (live output). */
  onOutput?: OutputListener;
}

export type OutputListener = (fd: 'stdout' | 'stderr', chunk: string) => void;
