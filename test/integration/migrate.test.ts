/** The migrator is safe when several processes start at once. */
import { afterAll, describe, expect, it } from 'vitest';
import { createSql } from '../../src/db/sql.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { databaseUrl, dropIsolation, isolation } from '../support.ts';

const iso = isolation('migrate');
const pools = [createSql(databaseUrl, iso.schema, { max: 1 }), createSql(databaseUrl, iso.schema, { max: 1 }), createSql(databaseUrl, iso.schema, { max: 1 })];

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 2 })));
  await dropIsolation(iso.namespace, iso.schema);
});

describe('migrate', () => {
  it('three concurrent migrators apply each migration exactly once', async () => {
    const results = await Promise.all(pools.map((sql) => migrate(sql, iso.schema)));
    const files = (await listMigrations()).map((m) => m.file);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(files.sort());
    const rows = await pools[0]!<{ version: number }[]>`select version from attune_migration order by version`;
    expect(rows.map((r) => r.version)).toEqual((await listMigrations()).map((m) => m.version));
    const again = await migrate(pools[1]!, iso.schema);
    expect(again.applied).toEqual([]);
  });
});
