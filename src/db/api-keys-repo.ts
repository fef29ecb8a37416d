/** API keys (table `api_key`): only the SHA-256 of a key is stored; the key itself is returned once. */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from './sql.ts';

export const apiRoles = ['viewer', 'operator', 'admin'] as const;
export const apiRole = z.enum(apiRoles);
export type ApiRole = z.infer<typeof apiRole>;

export interface ApiKeyRecord {
  id: number;
  name: string;
  role: ApiRole;
  /** The first characters of the key, to tell keys apart in a list. */
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createApiKey(sql: Sql, role: ApiRole, name = ''): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = `atk_${randomBytes(24).toString('base64url')}`;
  const [record] = await sql<ApiKeyRecord[]>`
    insert into api_key (name, role, hash, prefix) values (${name}, ${role}, ${hashOf(key)}, ${key.slice(0, 10)})
    returning id, name, role, prefix, created_at, revoked_at`;
  if (!record) throw new Error('api_key insert returned no row');
  return { key, record };
}

export async function listApiKeys(sql: Sql): Promise<ApiKeyRecord[]> {
  return sql<ApiKeyRecord[]>`select id, name, role, prefix, created_at, revoked_at from api_key order by id`;
}

/** True when a live key was revoked now. */
export async function revokeApiKey(sql: Sql, id: number): Promise<boolean> {
  const rows = await sql`update api_key set revoked_at = now() where id = ${id} and revoked_at is null returning id`;
  return rows.length === 1;
}

/** The live key's id and role, or null: a read only, so a refused request leaves nothing behind. */
export async function findApiKey(sql: Sql, key: string): Promise<{ id: number; role: ApiRole } | null> {
  const [row] = await sql<{ id: number; role: ApiRole }[]>`select id, role from api_key where hash = ${hashOf(key)} and revoked_at is null`;
  return row ?? null;
}
