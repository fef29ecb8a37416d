// A database that was never migrated: `attune up` stops at once with one line saying to run
// `attune migrate`, and other commands say the same instead of `relation "rule" does not exist`.
import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner, dropIsolation, isolation } from '../support.ts';

const iso = isolation('notmigrated');
const env = { ...process.env, ATTUNE_NAMESPACE: iso.namespace, ATTUNE_DB_SCHEMA: iso.schema, ATTUNE_LOG_LEVEL: 'warn' };
const attune = cliRunner(env);

afterAll(async () => {
  await dropIsolation(iso.namespace, iso.schema);
});

describe('an un-migrated database', () => {
  it('attune up stops with one line telling to run attune migrate', async () => {
    const r = await attune('up', '--actors', 'scheduler,manager');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^attune: database schema "${iso.schema}" is not migrated \\(\\d+ pending: 0001_init\\.sql.*\\): run \`attune migrate\``),
      ),
    ]);
    expect(r.stdout).not.toContain('attune is up');
  });

  it('a command names the missing migration, not only the missing relation', async () => {
    const r = await attune('rule', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^attune: database schema ".*" is not migrated \(.*\): run `attune migrate`$/)]);
  });

  it('after attune migrate, the same command works', async () => {
    expect((await attune('migrate')).code).toBe(0);
    expect((await attune('rule', 'list')).code).toBe(0);
  });
});
