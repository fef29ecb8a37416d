/** Trigger instances whose credentials are still stored plain, and sealing them in place (see triggers/trigger-secrets.ts). */
import type { Sql } from './sql.ts';

/** A trigger instance's parameters as stored: credentials masked and sealed apart, and the hash that identifies it. */
export interface TriggerInstanceToStore {
  parameters: Record<string, unknown>;
  /** The sealed credentials, or null when the parameters hold none. */
  secrets: string | null;
  hash: string;
}

/** Instances of `triggerRef` holding any of `names` in plain text (written before migration 0050, or by an older process). */
export async function plainCredentialInstances(
  sql: Sql,
  triggerRef: string,
  names: readonly string[],
): Promise<{ id: number; parameters: Record<string, unknown> }[]> {
  return sql<{ id: number; parameters: Record<string, unknown> }[]>`
    select id, parameters from trigger_instance
    where trigger_ref = ${triggerRef} and secrets is null and parameters ?| ${names as string[]}::text[]
    order by id`;
}

/**
 * Replaces plain instance `id` by its sealed form. When an instance of that form exists already
 * (the same parameters stored sealed by a newer process), the rules move to it and the plain row
 * goes. False when another process sealed it first.
 */
export async function sealInstance(sql: Sql, id: number, triggerRef: string, sealed: TriggerInstanceToStore): Promise<boolean> {
  return sql.begin(async (tx) => {
    // `for key share`: retention (db/retention.ts) skips the twin while its rules move; if retention took it first, there is none
    const [twin] = await tx<{ id: number }[]>`
      select id from trigger_instance where trigger_ref = ${triggerRef} and params_hash = ${sealed.hash} and id <> ${id} for key share`;
    if (twin) {
      await tx`update rule set trigger_instance_id = ${twin.id} where trigger_instance_id = ${id}`;
      return (await tx`delete from trigger_instance where id = ${id} and secrets is null returning id`).length > 0;
    }
    const rows = await tx`
      update trigger_instance set parameters = ${tx.json(sealed.parameters as never)}, secrets = ${sealed.secrets}, params_hash = ${sealed.hash}
      where id = ${id} and secrets is null returning id`;
    return rows.length > 0;
  });
}
