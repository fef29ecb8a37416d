/** `attune apikey create|list|revoke` as a user runs it: the key printed once, only a hash stored. */
import { afterAll, describe, expect, it } from 'vitest';
import { dropIsolation, isolation, openProbe, runCli } from '../support.ts';

const iso = isolation('cliapikey');
const env = { ...process.env, ATTUNE_NAMESPACE: iso.namespace, ATTUNE_DB_SCHEMA: iso.schema, ATTUNE_LOG_LEVEL: 'warn' };
const attune = (...args: string[]) => runCli(env, ...args);

afterAll(async () => {
  await dropIsolation(iso.namespace, iso.schema);
});

describe('attune apikey', () => {
  it('create --json prints the key once, list shows no key, revoke marks it; a bad role is refused', async () => {
    expect((await attune('migrate')).code).toBe(0);
    const made = await attune('apikey', 'create', '--role', 'operator', '--name', 'ci', '--json');
    expect(made.code, made.stderr).toBe(0);
    const { key, id } = JSON.parse(made.stdout) as { key: string; id: number };
    expect(key).toMatch(/^atk_[\w-]{32}$/);
    const list = await attune('apikey', 'list', '--json');
    expect(list.stdout).not.toContain(key);
    expect(JSON.parse(list.stdout)).toMatchObject([{ id, name: 'ci', role: 'operator', revoked_at: null }]);
    const probe = openProbe(iso);
    try {
      const [row] = await probe.sql<{ hash: string }[]>`select hash from api_key where id = ${id}`;
      expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await probe.close();
    }
    expect((await attune('apikey', 'revoke', String(id))).stdout).toMatch(/revoked/);
    expect((JSON.parse((await attune('apikey', 'list', '--json')).stdout) as { revoked_at: string | null }[])[0]?.revoked_at).not.toBeNull();
    const bad = await attune('apikey', 'create', '--role', 'root');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown role "root"/);
  }, 240_000); // each command is a fresh Node process
});
