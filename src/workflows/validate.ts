/**
 * Checks a parsed workflow beyond its schema, when its pack is loaded: every `do` names a task
 * (or `fail` / `succeed`), every task is reachable from a start task (one with no inbound
 * transition), every template and condition parses. Each problem names the task and the field.
 */
import { issuesLine, ValidationError } from '../errors.ts';
import { didYouMean } from '../did-you-mean.ts';
import { conditionProblem, conditionVariables, templatesIn, templateVariables, validateTemplates } from '../rules/template.ts';
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

/** What templates see everywhere; `with.items` and `vars` no more (engine.ts `scopeOf`). */
const ROOTS = ['input', 'ctx', 'workflow'];
const ITEM_ROOTS = ['item', 'index'];
const OUTCOME_ROOTS = ['result', 'status', 'succeeded', 'failed'];

/**
 * A variable of no scope (`{{ inptu.x }}`, `when: sucseeded`) renders empty or false instead of
 * failing: refused at load, naming where it is and the variables that place has.
 */
function rootProblems(where: string, vars: (string | number)[][], roots: string[]): string[] {
  const unknown = [...new Set(vars.map(([root]) => root).filter((r): r is string => typeof r === 'string' && !roots.includes(r)))];
  return unknown.map((r) => {
    const hint = didYouMean(r, roots);
    return `${where}: no variable "${r}"${hint ? ` (did you mean "${hint}"?)` : ''}; known there: ${roots.join(', ')}`;
  });
}

function parsedVariables(parse: () => (string | number)[][]): (string | number)[][] {
  try {
    return parse();
  } catch {
    return []; // a template that does not parse is reported by templateProblems
  }
}

function variableProblems(def: WorkflowDef): string[] {
  const templates = (path: string, node: unknown, roots: string[]) =>
    templatesIn({ [path]: node }).flatMap((t) =>
      rootProblems(
        `parameter "${t.path}"`,
        parsedVariables(() => templateVariables(t.source)),
        roots,
      ),
    );
  const condition = (path: string, source: string, roots: string[]) =>
    rootProblems(
      `condition "${path}"`,
      parsedVariables(() => conditionVariables(source)),
      roots,
    );
  const out = [...templates('vars', def.vars, ROOTS), ...templates('output', def.output, ROOTS)];
  for (const [name, t] of Object.entries(def.tasks)) {
    const inTask = t.with ? [...ROOTS, ...ITEM_ROOTS] : ROOTS;
    out.push(...templates(`tasks.${name}.input`, t.input, inTask));
    if (t.with) out.push(...templates(`tasks.${name}.with.items`, t.with.items, ROOTS));
    if (t.retry?.when) out.push(...condition(`tasks.${name}.retry.when`, t.retry.when, [...inTask, ...OUTCOME_ROOTS]));
    t.next.forEach((n, i) => {
      if (n.when) out.push(...condition(`tasks.${name}.next[${i}].when`, n.when, [...ROOTS, ...OUTCOME_ROOTS]));
      out.push(...templates(`tasks.${name}.next[${i}].publish`, n.publish, [...ROOTS, ...OUTCOME_ROOTS]));
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
  return [...problems, ...templateProblems(def), ...variableProblems(def)];
}

/** Parses and checks a definition; a ValidationError lists every problem, prefixed with `where`. */
export function parseWorkflow(raw: unknown, where: string): WorkflowDef {
  const parsed = workflowSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`${where}: ${issuesLine(parsed.error)}`);
  const problems = workflowProblems(parsed.data);
  if (problems.length > 0) throw new ValidationError(`${where}: ${problems.join('; ')}`);
  return parsed.data;
}
