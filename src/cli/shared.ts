/** What every `attune` command shares: argument parsers, opening Attune, waiting for a signal. */
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { actorNames, createAttune, type ActorName, type Attune } from '../attune.ts';
import { executionStatuses, type ExecutionStatus } from '../domain/execution-lifecycle.ts';

export const corePack = fileURLToPath(new URL('../../packs/core', import.meta.url));

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

/** Opens Attune, runs `fn`, closes; errors become one clear line and exit code 1. */
export async function withAttune(fn: (a: Attune) => Promise<void>, logLevel = 'warn', options: { database?: false } = {}): Promise<void> {
  const attune = await createAttune({ logLevel: (process.env.ATTUNE_LOG_LEVEL ?? logLevel) as 'warn', ...options });
  try {
    await fn(attune);
  } finally {
    await attune.stop();
  }
}

/** Runs until SIGINT/SIGTERM, then drains. */
export function untilSignal(attune: Attune): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        attune.log.warn('second signal: exiting without draining');
        process.exit(130);
      }
      stopping = true;
      attune.log.info({ signal: sig }, 'stopping: draining in-flight work');
      resolve();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}
