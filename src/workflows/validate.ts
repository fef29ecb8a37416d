/**
 * Checks a parsed workflow beyond its schema, when its pack is loaded: every `do` names a task
 * (or `fail` / `succeed`), every task is reachable from a start task (one with no inbound
 * transition), every template and condition parses. Each problem names the task and the field.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { conditionProblem, validateTemplates } from '../rules/template.ts';
import { engineCommands, workflowSchema, type WorkflowDef } from './definition.ts';

/** Tasks with no inbound transition: where the workflow starts. */
export function startTasks(def: WorkflowDef): string[] {
  const targets = new Set(Object.values(def.tasks).flatMap((t) => t.next.flatMap((n) => n.do)));
  return Object.keys(def.tasks).filter((name) => !targets.has(name));
}

/** How many transitions lead into each task (what `join: all` waits for). */
export function inboundCounts(def: WorkflowDef): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of Object.values(def.tasks)) for (const n of t.next) for (const d of n.do) counts[d] = (counts[d] ?? 0) + 1;
  return counts;
}

function reachable(def: WorkflowDef, from: string[]): Set<string> {
  const seen = new Set(from);
  const queue = [...from];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const targets = (def.tasks[name]?.next ?? []).flatMap((n) => n.do).filter((d) => def.tasks[d] && !seen.has(d));
    for (const d of targets) {
      seen.add(d);
      queue.push(d);
    }
  }
  return seen;
}

function templateProblems(def: WorkflowDef): string[] {
  const out = [...validateTemplates(def.vars, 'vars'), ...validateTemplates(def.output, 'output')];
  for (const [name, t] of Object.entries(def.tasks)) {
    out.push(...validateTemplates(t.input, `tasks.${name}.input`));
    if (t.with && typeof t.with.items === 'string') out.push(...validateTemplates(t.with.items, `tasks.${name}.with.items`));
    if (t.retry?.when) out.push(...[conditionProblem(t.retry.when, `tasks.${name}.retry.when`)].filter((p) => p !== null));
    t.next.forEach((n, i) => {
      if (n.when) out.push(...[conditionProblem(n.when, `tasks.${name}.next[${i}].when`)].filter((p) => p !== null));
      out.push(...validateTemplates(n.publish, `tasks.${name}.next[${i}].publish`));
    });
  }
  return out;
}

/** Every problem of a parsed definition; empty when it is valid. */
export function workflowProblems(def: WorkflowDef): string[] {
  const problems: string[] = [];
  const commands: readonly string[] = engineCommands;
  for (const [name, t] of Object.entries(def.tasks)) {
    if (commands.includes(name)) problems.push(`task "${name}": the name is an engine command (${engineCommands.join(', ')})`);
    t.next.forEach((n, i) => {
      for (const d of n.do) {
        if (!def.tasks[d] && !commands.includes(d)) problems.push(`task "${name}" field next[${i}].do: unknown task "${d}"`);
      }
    });
    if (typeof t.join === 'number' && t.join > (inboundCounts(def)[name] ?? 0)) {
      problems.push(`task "${name}" field join: waits for ${t.join} inbound transitions but has ${inboundCounts(def)[name] ?? 0}`);
    }
  }
  const starts = startTasks(def);
  if (starts.length === 0) problems.push('field tasks: no start task (every task has an inbound transition)');
  const seen = reachable(def, starts);
  for (const name of Object.keys(def.tasks)) if (!seen.has(name)) problems.push(`task "${name}": unreachable from the start tasks (${starts.join(', ')})`);
  return [...problems, ...templateProblems(def)];
}

/** Parses and checks a definition; a ValidationError lists every problem, prefixed with `where`. */
export function parseWorkflow(raw: unknown, where: string): WorkflowDef {
  const parsed = workflowSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`${where}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const problems = workflowProblems(parsed.data);
  if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
  return parsed.data;
}
