/** Reads of what packs brought: packs and actions (for the API and dashboard). Writes are packs-repo's. */
import type { Sql } from './sql.ts';

export interface PackRecord {
  ref: string;
  version: string;
  description: string;
  loaded_at: Date;
}

export interface ActionRecord {
  ref: string;
  pack: string;
  description: string;
  runtime: string;
  parameters: Record<string, unknown>;
  timeout_ms: number | null;
}

export async function listPacks(sql: Sql): Promise<PackRecord[]> {
  return sql<PackRecord[]>`select ref, version, description, loaded_at from pack order by ref`;
}

export async function listActions(sql: Sql, pack?: string): Promise<ActionRecord[]> {
  return sql<ActionRecord[]>`
    select ref, pack, description, runtime, parameters, timeout_ms from action
    where true ${pack ? sql`and pack = ${pack}` : sql``} order by ref`;
}
