/**
 * Turns the children a workflow step asks for into rows: each child's parameters validated
 * against its action (defaults applied, secrets sealed) like a manual run's. A child that cannot
 * run (unknown action, bad parameters) is born `failed` with the reason, and the workflow sees it
 * finish like any other.
 */
import { parametersSpecSchema, validateParameters, type ParametersSpec } from '../../actions/parameters.ts';
import { protectSecrets } from '../../actions/secrets.ts';
import type { AttuneContext } from '../../context.ts';
import type { ChildToInsert } from '../../db/execution-store.ts';
import type { Queryable } from '../../db/sql.ts';
import type { ChildRequest } from '../../workflows/engine.ts';

export async function childRows(ctx: AttuneContext, tx: Queryable, requests: readonly ChildRequest[]): Promise<ChildToInsert[]> {
  if (requests.length === 0) return [];
  const refs = [...new Set(requests.map((r) => r.action))];
  const found = await tx<{ ref: string; parameters: unknown }[]>`select ref, parameters from action where ref = any(${refs}::text[])`;
  const specs = new Map<string, ParametersSpec>(found.map((a) => [a.ref, parametersSpecSchema.parse(a.parameters)]));
  const rows: ChildToInsert[] = [];
  for (const r of requests) {
    const base = { seq: r.seq, task: r.task, item: r.item, attempt: r.attempt, actionRef: r.action, timeoutMs: r.timeoutMs, delayMs: r.delayMs ?? 0 };
    const spec = specs.get(r.action);
    const checked = spec ? validateParameters(spec, r.input) : null;
    if (!spec || !checked) {
      rows.push({ ...base, parameters: r.input, secrets: null, error: `task "${r.task}": action "${r.action}" does not exist (load its pack first)` });
    } else if (!checked.ok) {
      rows.push({ ...base, parameters: r.input, secrets: null, error: `task "${r.task}" input: ${checked.errors.join('; ')}` });
    } else {
      rows.push({ ...base, ...(await protectSecrets(ctx, spec, checked.values)), error: null });
    }
  }
  return rows;
}
