/** `attune workflow show|pause|resume` and the tree view of `attune execution get --tree`. */
import type { Command } from 'commander';
import type { ExecutionTree } from '../../index.ts';
import { positiveInt, withAttune } from '../shared.ts';

/** One line per execution, indented under its workflow: id, task[item], action, status, and a workflow's published context. */
export function treeLines(t: ExecutionTree, depth = 0): string[] {
  const e = t.execution;
  const task = e.task_name ? `${e.task_name}${e.item_index === null ? '' : `[${e.item_index}]`}${e.attempt > 1 ? ` attempt ${e.attempt}` : ''} ` : '';
  const pad = '  '.repeat(depth);
  const lines = [`${pad}${e.id} ${task}${e.action_ref} ${e.status}${e.status_reason ? ` (${e.status_reason})` : ''}`];
  if (t.workflow) lines.push(`${pad}  state: ${t.workflow.state}, steps: ${t.workflow.steps}, ctx: ${JSON.stringify(t.workflow.ctx)}`);
  for (const c of t.children) lines.push(...treeLines(c, depth + 1));
  return lines;
}

export function registerWorkflowCommands(program: Command): void {
  const workflow = program.command('workflow').description('workflows (actions with runtime: workflow)');
  workflow
    .command('show <ref>')
    .description("the workflow's compiled states and transitions, and its task graph")
    .action(async (ref: string) => {
      await withAttune(async (attune) => console.log(await attune.workflows.show(ref)));
    });
  for (const command of ['pause', 'resume'] as const) {
    workflow
      .command(`${command} <id>`)
      .description(command === 'pause' ? 'children in flight finish; no new task starts until resume' : 'start what a pause held back')
      .action(async (idText: string) => {
        const id = positiveInt(idText);
        await withAttune(async (attune) => {
          await attune.workflows[command](id);
          console.log(`workflow ${id}: ${command} requested`);
        });
      });
  }
}
