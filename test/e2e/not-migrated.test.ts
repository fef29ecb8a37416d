// A database that was never migrated: `attune up` stops at once with one line saying to run
// `attune migrate`, and other commands say the same instead of `relation "rule" does not exist`.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dropIsolation, isolation } from '../support.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const iso = isolation('notmigrated');
const env = { ...process.env, ATTUNE_NAMESPACE: iso.namespace, ATTUNE_DB_SCHEMA: iso.schema, ATTUNE_LOG_LEVEL: 'warn' };
const run = promisify(execFile);

async function attune(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

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
