/**
 * The workflow actions of a pack (`runtime: workflow`): each definition, inline in `workflow` or
 * in the pack file `entry_point` names, parsed and checked when the pack loads. Errors name the
 * action file's action, the task and the field.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors.ts';
import type { WorkflowDef } from './definition.ts';
import { parseWorkflow } from './validate.ts';

interface WorkflowAction {
  name: string;
  runtime?: string | undefined;
  runner_type?: string | undefined;
  entry_point?: string | undefined;
  workflow?: Record<string, unknown> | undefined;
}

export function isWorkflowAction(a: Pick<WorkflowAction, 'runtime' | 'runner_type'>): boolean {
  return (a.runtime ?? a.runner_type ?? '').toLowerCase() === 'workflow';
}

async function readDefinition(root: string, a: WorkflowAction): Promise<unknown> {
  if (a.workflow) return a.workflow;
  // As for scripts (StackStorm's convention), `entry_point` is relative to the pack's actions/ folder.
  const file = path.resolve(root, 'actions', a.entry_point ?? '');
  if (!a.entry_point || !file.startsWith(root + path.sep)) {
    throw new ValidationError(`action "${a.name}": a workflow needs \`workflow\` inline or an \`entry_point\` inside the pack`);
  }
  try {
    return parseYaml(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ValidationError(`action "${a.name}": cannot read workflow ${a.entry_point}: ${(err as Error).message}`, { cause: err });
  }
}

/** action name → checked definition, for every workflow action of the pack. */
export async function packWorkflows(root: string, actions: readonly WorkflowAction[]): Promise<Map<string, WorkflowDef>> {
  const out = new Map<string, WorkflowDef>();
  for (const a of actions.filter(isWorkflowAction)) {
    out.set(a.name, parseWorkflow(await readDefinition(root, a), `action "${a.name}" workflow`));
  }
  return out;
}
