/**
 * Applies `migrations/NNNN_name.sql` in order, each in its own transaction, under an advisory
 * lock so that two processes starting at once do not race.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from 'postgres';

const dir = new URL('./migrations/', import.meta.url);
const LOCK_KEY = 7_346_117; // arbitrary, fixed: "attune migrate"

export interface MigrationResult {
  applied: string[];
  current: number;
}

export async function listMigrations(): Promise<{ version: number; name: string; file: string }[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return files.map((file) => ({ version: Number(file.slice(0, 4)), name: file.slice(5, -4), file }));
}

export async function migrate(sql: Sql, schema: string): Promise<MigrationResult> {
  const migrations = await listMigrations();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY}, hashtext(${schema}))`;
    await tx.unsafe(`create schema if not exists "${schema}"`);
    await tx.unsafe(`set local search_path to "${schema}"`);
    await tx`create table if not exists attune_migration (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now())`;
    const done = new Set((await tx<{ version: number }[]>`select version from attune_migration`).map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      const text = await readFile(new URL(m.file, dir), 'utf8');
      await tx.unsafe(text);
      await tx`insert into attune_migration (version, name) values (${m.version}, ${m.name})`;
      applied.push(m.file);
    }
  });
  return { applied, current: migrations.at(-1)?.version ?? 0 };
}

/** Migrations not applied yet to `schema` (all of them when the schema or its table is missing). */
export async function pendingMigrations(sql: Sql, schema: string): Promise<string[]> {
  const migrations = await listMigrations();
  const [{ table } = { table: null }] = await sql<{ table: string | null }[]>`select to_regclass(${`"${schema}".attune_migration`})::text as table`;
  if (table === null) return migrations.map((m) => m.file);
  const done = new Set((await sql.unsafe<{ version: number }[]>(`select version from "${schema}".attune_migration`)).map((r) => r.version));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.file);
}
