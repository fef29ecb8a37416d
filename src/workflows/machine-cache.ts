/** Compiled machines by action ref, recompiled when the stored definition changes (pack reloaded). */
import type { WorkflowDef } from './definition.ts';
import { compileWorkflow, type WorkflowMachine } from './machine.ts';
import { parseWorkflow } from './validate.ts';

const cache = new Map<string, { source: string; machine: WorkflowMachine }>();

export function machineFor(ref: string, stored: unknown): WorkflowMachine {
  const source = JSON.stringify(stored);
  const hit = cache.get(ref);
  if (hit?.source === source) return hit.machine;
  const machine = compileWorkflow(ref, parseWorkflow(stored, `workflow ${ref}`));
  cache.set(ref, { source, machine });
  return machine;
}

export function definitionOf(ref: string, stored: unknown): WorkflowDef {
  return parseWorkflow(stored, `workflow ${ref}`);
}
