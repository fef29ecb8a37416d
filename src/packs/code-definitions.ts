/**
 * Code-first definitions (`defineAction`, `defineTrigger`, `defineWorkflow`) as a set: the types that make
 * `emit()` and `run()` check refs and payloads, and storing them, grouped by pack, as rows like a pack's.
 */
import type { ActionDefinition } from '../actions/define-action.ts';
import { storeDefinitions, type PackLoadResult } from '../db/packs-repo.ts';
import type { Sql } from '../db/sql.ts';
import type { TriggerDefinition } from '../triggers/define-trigger.ts';
import type { WorkflowDefinition } from '../workflows/code-workflow.ts';

export type Definition = ActionDefinition<string, unknown> | TriggerDefinition<string, unknown> | WorkflowDefinition<string, unknown>;

/** `{ 'myapp.order_paid': { orderId: string } }` from the trigger definitions of a list. */
export type TriggerPayloads<D extends readonly Definition[]> = {
  [T in D[number] as T extends TriggerDefinition<infer R, unknown> ? R : never]: T extends TriggerDefinition<string, infer P> ? P : never;
};
/** `{ 'myapp.send_mail': { to: string } }` from the action (and workflow) definitions of a list. */
export type ActionParams<D extends readonly Definition[]> = {
  [A in D[number] as A extends ActionDefinition<infer R, unknown> | WorkflowDefinition<infer R, unknown> ? R : never]: A extends
    ActionDefinition<string, infer P> | WorkflowDefinition<string, infer P>
    ? P
    : never;
};
/** The arguments after the ref: typed for a defined ref, free (as for pack refs) otherwise. */
export type RefArgs<Map, K extends string, Options> = K extends keyof Map
  ? [values: Map[K], options?: Options]
  : [values?: Record<string, unknown>, options?: Options];

function split(ref: string): [pack: string, name: string] {
  const dot = ref.indexOf('.');
  return [ref.slice(0, dot), ref.slice(dot + 1)];
}

export async function saveDefinitions(sql: Sql, definitions: readonly Definition[]): Promise<PackLoadResult[]> {
  const packs = [...new Set(definitions.map((d) => split(d.ref)[0]))];
  const results: PackLoadResult[] = [];
  for (const pack of packs) {
    const mine = definitions.filter((d) => split(d.ref)[0] === pack);
    const triggers = mine.flatMap((d) =>
      d.kind === 'trigger' ? [{ name: split(d.ref)[1], description: d.description, parameters: {}, payloadSchema: d.payloadSchema }] : [],
    );
    const actions = mine.flatMap((d) =>
      d.kind === 'trigger'
        ? []
        : [
            {
              name: split(d.ref)[1],
              description: d.description,
              // A code-defined workflow: its machine lives in the processes that register it; the row says so.
              runtime: d.kind === 'workflow' ? 'workflow' : 'node',
              command: null,
              entryPoint: null,
              parameters: d.parameters,
              timeoutMs: d.kind === 'action' ? d.timeoutMs : null,
              idempotent: false,
              policy: null,
              workflow: d.kind === 'workflow' ? { ...d.marker } : null,
            },
          ],
    );
    results.push(await storeDefinitions(sql, pack, triggers, actions));
  }
  return results;
}
