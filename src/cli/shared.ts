/** What every `attune` command shares: argument parsers, opening Attune, waiting for a signal. */
import { InvalidArgumentError, type Command } from 'commander';
import { actorNames, createAttune, type ActorName, type Attune } from '../attune.ts';
import { notMigrated } from '../errors.ts';
import { executionStatuses, type ExecutionStatus } from '../domain/execution-lifecycle.ts';

export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
/** An actor of `attune up`, or `http` (the HTTP server; `webhook` is its old name). */
export type UpActor = ActorName | 'http';
export function actorList(value: string): UpActor[] {
  const out = list(value).map((a) => (a === 'webhook' ? 'http' : a));
  const known = [...actorNames, 'http'];
  for (const a of out) if (!known.includes(a)) throw new InvalidArgumentError(`unknown actor "${a}" (known: ${known.join(', ')})`);
  return out as UpActor[];
}
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}
export function status(value: string): ExecutionStatus {
  if (!(executionStatuses as readonly string[]).includes(value))
    throw new InvalidArgumentError(`unknown status "${value}" (known: ${executionStatuses.join(', ')})`);
  return value as ExecutionStatus;
}

/**
 * Argument errors (unknown command or option, missing argument, bad value) as one line on stderr
 * that says where to look, then exit 1: `error: unknown option '--jsn' (Did you mean --json?)
 * (see attune execution list --help)`. Commander's own suggestion line is folded into it.
 */
export function oneLineUsageErrors(cmd: Command): void {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  const hint = `(see ${names.join(' ')} --help)`;
  cmd.configureOutput({ outputError: (str, write) => write(`${str.trim().replace(/\s*\n\s*/g, ' ')} ${hint}\n`) });
  for (const sub of cmd.commands) oneLineUsageErrors(sub);
}

/**
 * `attune … | head`: once the reader is gone nothing more can be said, so the command ends at
 * once with exit code 0, as `cat` would, instead of an `EPIPE` stack trace. Any other stdout
 * error is rethrown.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}

/** Opens Attune, runs `fn`, closes; errors become one clear line and exit code 1. */
export async function withAttune(fn: (a: Attune) => Promise<void>, logLevel = 'warn', options: { database?: false } = {}): Promise<void> {
  const attune = await createAttune({ logLevel: (process.env.ATTUNE_LOG_LEVEL ?? logLevel) as 'warn', ...options });
  try {
    await fn(attune);
  } catch (err) {
    throw notMigrated(err, attune.config.schema) ?? err; // one line saying what to do, not `relation "rule" does not exist`
  } finally {
    await attune.stop();
  }
}

/**
 * Runs until SIGINT/SIGTERM, then drains. A second signal while draining kills the process groups
 * of the running actions (they would outlive the process otherwise), says which, and exits 130.
 */
export function untilSignal(attune: Attune): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        const killed = attune.killRunningActions();
        const what = killed.length > 0 ? `killed ${killed.length} running action(s): ${killed.join(', ')}` : 'no running action to kill';
        process.stderr.write(`attune: second ${sig}: exiting without draining; ${what}\n`);
        process.exit(130);
      }
      stopping = true;
      attune.log.info({ signal: sig }, 'stopping: draining in-flight work (a second signal kills running actions and exits)');
      resolve();
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
}
