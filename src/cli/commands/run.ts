/** `attune run <actionRef> [name=value …] [--timeout <seconds>] [--idempotency-key <key>] [--wait] [--json]` (StackStorm's `st2 run`). */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseAssignments } from '../../actions/cli-values.ts';
import type { Attune, ExecutionRow } from '../../index.ts';
import { withAttune } from '../shared.ts';
import { executionLine } from '../format.ts';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  return Math.max(1, Math.round(n * 1000));
}

/** Prints an execution; with `--wait`, the exit code is 1 unless it succeeded. */
export function printExecution(e: ExecutionRow, o: { json?: boolean; wait?: boolean }): void {
  if (o.json) console.log(JSON.stringify(e, null, 2));
  else if (o.wait) {
    console.log(executionLine(e));
    const stderr = typeof e.result?.stderr === 'string' ? e.result.stderr.trim() : '';
    if (e.status !== 'succeeded' && stderr) console.log(stderr);
  } else console.log(`execution ${e.id} ${e.action_ref} ${e.status} (trace ${e.trace})`);
  if (o.wait && e.status !== 'succeeded') process.exitCode = 1;
}

/**
 * Without a live worker a requested execution only waits in the queue (and `--wait` waits with it,
 * saying nothing): the user is told why on stderr, the request still stands.
 */
export async function warnWithoutWorkers(attune: Attune): Promise<void> {
  if ((await attune.workers()).some((w) => w.live)) return;
  process.stderr.write(`attune: no live worker in namespace "${attune.config.namespace}": the execution waits in the queue until one starts (\`attune up\`)\n`);
}

export function registerRunCommand(program: Command): void {
  program
    .command('run <actionRef> [params...]')
    .description('run an action now, without a rule; values are parsed by the parameter types')
    .addOption(new Option('--timeout <seconds>', "overrides the action's timeout for this execution").argParser(seconds))
    .option('--idempotency-key <key>', 'run at most once per key: a retry with the same key prints the execution the first one created')
    .option('--wait', 'wait for the end, print the execution, exit 1 unless it succeeded')
    .option('--json', 'print JSON')
    .action(async (actionRef: string, params: string[], o: { timeout?: number; wait?: boolean; json?: boolean; idempotencyKey?: string }) => {
      await withAttune(async (attune) => {
        const action = await attune.actions.describe(actionRef);
        const values = parseAssignments(action.parameters, params);
        await warnWithoutWorkers(attune);
        const e = await attune.run(actionRef, values, { timeoutMs: o.timeout, wait: o.wait, idempotencyKey: o.idempotencyKey });
        printExecution(e, o);
      });
    });
}
