/** The compiled machine of a workflow as text (`attune workflow show <ref>`): its states and transitions, then its task graph. */
import type { AnyStateMachine } from 'xstate';
import type { WorkflowDef } from './definition.ts';
import type { WorkflowMachine } from './machine.ts';
import { startTasks } from './validate.ts';

function targetsOf(config: unknown): string {
  const list = Array.isArray(config) ? (config as unknown[]) : [config];
  return list
    .map((t) => {
      if (typeof t === 'string') return t;
      const c = t as { target?: string; guard?: string; actions?: string | string[] };
      const parts = [c.target ?? '(stay)'];
      if (c.guard) parts.push(`[${c.guard}]`);
      if (c.actions) parts.push(`/ ${[c.actions].flat().join(', ')}`);
      return parts.join(' ');
    })
    .join(' | ');
}

/** The top-level states of a machine and their transitions (a code-defined one's too). */
export function describeMachine(machine: AnyStateMachine): string[] {
  const lines = [`machine ${machine.id} (initial: ${JSON.stringify(machine.config.initial)})`, 'states:'];
  for (const [name, node] of Object.entries(machine.config.states ?? {})) {
    const n = node as { type?: string; entry?: unknown; always?: unknown; on?: Record<string, unknown> };
    lines.push(`  ${name}${n.type === 'final' ? ' (final)' : ''}${n.entry ? `  entry: ${JSON.stringify(n.entry)}` : ''}`);
    if (n.always) lines.push(`    (always) → ${targetsOf(n.always)}`);
    for (const [event, t] of Object.entries(n.on ?? {})) lines.push(`    ${event} → ${targetsOf(t)}`);
  }
  return lines;
}

export function describeWorkflow(machine: WorkflowMachine, def: WorkflowDef): string {
  const lines = describeMachine(machine);
  lines.push('tasks:', `  start: ${startTasks(def).join(', ')}`);
  for (const [name, t] of Object.entries(def.tasks)) {
    const extras = [
      t.action ?? '(no action)',
      t.join !== undefined ? `join ${t.join}` : '',
      t.with ? `with items${t.with.concurrency ? ` ×${t.with.concurrency}` : ''}` : '',
      t.retry ? `retry ${t.retry.count}` : '',
      t.timeout ? `timeout ${t.timeout}s` : '',
    ].filter(Boolean);
    lines.push(`  ${name}: ${extras.join(', ')}`);
    for (const n of t.next)
      lines.push(
        `    ${n.when ? `when ${n.when}` : 'always'} → ${n.do.join(', ') || '(end)'}${Object.keys(n.publish).length ? `  publish ${Object.keys(n.publish).join(', ')}` : ''}`,
      );
  }
  return lines.join('\n');
}
