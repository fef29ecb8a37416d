/** `attune execution list|get|cancel|rerun|tail`. */
import { Option, type Command } from 'commander';
import type { ExecutionStatus } from '../../index.ts';
import { positiveInt, status, withAttune } from '../shared.ts';
import { table } from '../format.ts';
import { printExecution, warnWithoutWorkers } from './run.ts';
import { treeLines } from './workflows.ts';

export function registerExecutionCommands(program: Command): void {
  const execution = program.command('execution').description('executions');
  execution
    .command('list')
    .description('most recent executions first')
    .addOption(new Option('--status <status>').argParser(status))
    .option('--action <ref>')
    .addOption(new Option('--parent <id>', 'only the tasks of this workflow execution').argParser(positiveInt))
    .addOption(new Option('--limit <n>').argParser(positiveInt).default(20))
    .option('--json', 'print JSON')
    .action(async (o: { status?: ExecutionStatus; action?: string; parent?: number; limit: number; json?: boolean }) => {
      await withAttune(async (attune) => {
        const rows = await attune.executions.list({ status: o.status, action: o.action, parent: o.parent, limit: o.limit });
        if (o.json) console.log(JSON.stringify(rows, null, 2));
        else console.log(table(rows as unknown as Record<string, unknown>[], ['id', 'action_ref', 'status', 'requested_at', 'finished_at', 'status_reason']));
      });
    });
  execution
    .command('get <id>')
    .description('one execution, with its result')
    .option('--tree', 'a workflow with its tasks, their status and its published context')
    .option('--json', 'print JSON')
    .action(async (idText: string, o: { json?: boolean; tree?: boolean }) => {
      const id = positiveInt(idText);
      await withAttune(async (attune) => {
        if (o.tree) {
          const tree = await attune.executions.tree(id);
          if (!tree) throw new Error(`execution ${id} does not exist`);
          console.log(o.json ? JSON.stringify(tree, null, 2) : treeLines(tree).join('\n'));
          return;
        }
        const e = await attune.executions.get(id);
        if (!e) throw new Error(`execution ${id} does not exist`);
        const chain = await attune.executions.chain(id);
        if (o.json) console.log(JSON.stringify(chain.length > 1 ? { ...e, chain } : e, null, 2));
        else {
          for (const [k, v] of Object.entries(e)) {
            if (v === null) continue;
            console.log(`${k.padEnd(15)} ${v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
          }
          // The retry chain: every attempt, this one marked.
          if (chain.length > 1)
            console.log(`${'chain'.padEnd(15)} ${chain.map((c) => `${c.id === id ? '*' : ''}#${c.id} attempt ${c.attempt} ${c.status}`).join(' → ')}`);
        }
      });
    });
  execution
    .command('cancel <id>')
    .description('cancel: a queued execution never starts; a running one gets SIGTERM, then SIGKILL')
    .option('--json', 'print JSON')
    .action(async (idText: string, o: { json?: boolean }) => {
      const id = positiveInt(idText);
      await withAttune(async (attune) => {
        const e = await attune.executions.cancel(id);
        if (o.json) console.log(JSON.stringify(e, null, 2));
        else console.log(`execution ${id} ${e.status}`);
      });
    });
  execution
    .command('rerun <id>')
    .description('run the same action with the same parameters again, linked to the original')
    .option('--from-task <name>', 'a workflow: start at this task, with the context the original ended with')
    .option('--wait', 'wait for the end, print the execution, exit 1 unless it succeeded')
    .option('--json', 'print JSON')
    .action(async (idText: string, o: { wait?: boolean; json?: boolean; fromTask?: string }) => {
      const id = positiveInt(idText);
      await withAttune(async (attune) => {
        if (!(await attune.executions.get(id))) throw new Error(`execution ${id} does not exist`);
        await warnWithoutWorkers(attune);
        printExecution(await attune.executions.rerun(id, { wait: o.wait, fromTask: o.fromTask }), o);
      });
    });
  execution
    .command('tail <id>')
    .description('print its stdout/stderr as the action produces them, until it ends')
    .action(async (idText: string) => {
      const id = positiveInt(idText);
      await withAttune(async (attune) => {
        for await (const line of attune.executions.watch(id)) (line.fd === 'stderr' ? process.stderr : process.stdout).write(line.data);
        const e = await attune.executions.get(id);
        if (e) console.error(`execution ${id} ${e.status}`);
      });
    });
}
