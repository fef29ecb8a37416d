/**
 * Webhook credentials at rest: a rule's `token` and HMAC `secret` are sealed in `trigger_instance`
 * (no plain text, no unkeyed digest), opened only to verify a delivery; rows written plain before
 * migration 0050 are sealed by `migrate()`, idempotently; another key verifies nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttune, type Attune } from '../../src/index.ts';
import { paramsHash } from '../../src/db/packs-repo.ts';
import { hmacSignature } from '../../src/triggers/webhook-params.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const TOKEN = 'tok-sealed-0123456789abcdef';
const SECRET = 'sec-sealed-0123456789abcdef';
const LEGACY = 'tok-legacy-0123456789abcdef';
const TWIN = 'tok-twin-0123456789abcdef';

describe('webhook credentials at rest', () => {
  let attune: Attune;
  const sql = () => probe(attune).sql;
  const deliver = (name: string, headers: Record<string, string>, body = '{}') => attune.webhooks.receive({ name, headers, raw: Buffer.from(body) });
  /** Every trigger instance and rule, each whole row as text. */
  const rawRows = async () => {
    const rows = await sql()<{ row: string }[]>`
      select row_to_json(ti)::text as row from trigger_instance ti union all select row_to_json(r)::text from rule r`;
    return rows.map((r) => r.row).join('\n');
  };
  const hook = (name: string, parameters: Record<string, string>) => ({
    name,
    pack: 'core',
    trigger: { type: 'core.webhook', parameters: { name, ...parameters } },
    action: { ref: 'core.noop' },
  });
  /** Turns a stored instance back into what an older version wrote: parameters in plain text, the unkeyed hash. */
  const unseal = async (rule: string, parameters: Record<string, string>) => {
    await sql()`update trigger_instance set parameters = ${sql().json(parameters)}, secrets = null, params_hash = ${paramsHash(parameters)}
      where id = (select trigger_instance_id from rule where ref = ${rule})`;
  };

  beforeAll(async () => {
    attune = await testAttune('whsec');
    await attune.packs.load(corePackDir);
    await attune.rules.create(hook('sealed', { token: TOKEN, secret: SECRET }));
    await attune.start({ actors: ['enforcer'] }); // stores the events, for the dry-run
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('stores neither the token nor the secret in plain text, nor hands them out', async () => {
    const raw = await rawRows();
    expect(raw).toContain('"name": "sealed"'); // the row is there, its name in plain text
    expect(raw).not.toContain(TOKEN);
    expect(raw).not.toContain(SECRET);
    const [row] = await sql()<
      { secrets: string | null; params_hash: string }[]
    >`select secrets, params_hash from trigger_instance where parameters->>'name' = 'sealed'`;
    expect(row?.secrets).toMatch(/^v1:/);
    expect(row?.params_hash).not.toBe(paramsHash({ name: 'sealed', token: TOKEN, secret: SECRET }));
    const shown = await attune.rules.get('core.sealed');
    expect(shown?.trigger_parameters).toEqual({ name: 'sealed', token: '********', secret: '********' });
    expect(JSON.stringify(await attune.rules.list())).not.toContain(TOKEN);
  });

  it('authenticates the right token and signature, refuses wrong ones', async () => {
    expect((await deliver('sealed', { 'x-attune-token': TOKEN })).status).toBe(202);
    expect((await deliver('sealed', { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":1}') }, '{"a":1}')).status).toBe(202);
    expect((await deliver('sealed', { 'x-attune-token': `${TOKEN.slice(0, -1)}x` })).status).toBe(401);
    expect((await deliver('sealed', { 'x-attune-token': '********' })).status).toBe(401);
    expect((await deliver('sealed', { 'x-hub-signature-256': hmacSignature('********', '{}') })).status).toBe(401);
  });

  it('saving the same rule again keeps its trigger instance, and a dry-run of the definition finds it', async () => {
    const before = await attune.rules.get('core.sealed');
    await attune.rules.update('core.sealed', hook('sealed', { token: TOKEN, secret: SECRET }));
    expect((await attune.rules.get('core.sealed'))?.trigger_instance_id).toBe(before?.trigger_instance_id);
    const id = before?.trigger_instance_id ?? 0;
    await eventually('the webhook events stored', async () => (await sql()`select 1 from event where trigger_instance_id = ${id}`).length >= 2);
    const dry = await attune.rules.test(hook('sealed', { token: TOKEN, secret: SECRET }));
    expect(dry.matches.length).toBeGreaterThanOrEqual(2);
    expect((await attune.rules.test(hook('sealed', { token: SECRET, secret: TOKEN }))).matches).toEqual([]);
  });

  it('migrate() seals a row written plain by an older version, which still authenticates; a second migrate() changes nothing', async () => {
    await attune.rules.create(hook('legacy', { token: LEGACY }));
    await unseal('core.legacy', { name: 'legacy', token: LEGACY });
    expect(await rawRows()).toContain(LEGACY);
    expect((await deliver('legacy', { 'x-attune-token': LEGACY })).status).toBe(202); // plain rows are read until sealed
    expect((await attune.rules.get('core.legacy'))?.trigger_parameters.token).toBe('********');

    const first = await attune.migrate();
    expect(first.sealed).toBe(1);
    expect(await rawRows()).not.toContain(LEGACY);
    expect((await deliver('legacy', { 'x-attune-token': LEGACY })).status).toBe(202);
    expect((await deliver('legacy', { 'x-attune-token': `${LEGACY}x` })).status).toBe(401);
    const again = await attune.migrate();
    expect(again).toMatchObject({ applied: [], sealed: 0 });
    // sealed by migrate = sealed on save: an update finds the same instance
    const id = (await attune.rules.get('core.legacy'))?.trigger_instance_id;
    await attune.rules.update('core.legacy', hook('legacy', { token: LEGACY }));
    expect((await attune.rules.get('core.legacy'))?.trigger_instance_id).toBe(id);
  });

  it('a plain row whose sealed twin exists already: its rules move to the twin, the plain row goes', async () => {
    await attune.rules.create(hook('twin', { token: TWIN }));
    await attune.rules.create({ ...hook('twin', { token: TWIN }), name: 'twin_old' });
    const sealedId = (await attune.rules.get('core.twin'))?.trigger_instance_id;
    // an older process wrote `twin_old` plain, beside the sealed instance of the same parameters
    const plain = { name: 'twin', token: TWIN };
    const [old] = await sql()<{ id: number }[]>`
      insert into trigger_instance (trigger_ref, parameters, params_hash) values ('core.webhook', ${sql().json(plain)}, ${paramsHash(plain)}) returning id`;
    await sql()`update rule set trigger_instance_id = ${old!.id} where ref = 'core.twin_old'`;
    expect((await attune.migrate()).sealed).toBe(1);
    expect((await attune.rules.get('core.twin_old'))?.trigger_instance_id).toBe(sealedId);
    expect(await sql()`select 1 from trigger_instance where id = ${old!.id}`).toHaveLength(0);
    expect(await rawRows()).not.toContain(TWIN);
    const res = await deliver('twin', { 'x-attune-token': TWIN });
    expect(res).toMatchObject({ status: 202 });
  });

  it('a process with another secret key verifies nothing: 401, not a crash', async () => {
    const other = await createAttune({
      namespace: attune.config.namespace,
      schema: attune.config.schema,
      secretKey: 'another-key-0123456789abcdef',
      logLevel: 'silent',
    });
    try {
      const out = await other.webhooks.receive({ name: 'sealed', headers: { 'x-attune-token': TOKEN }, raw: Buffer.from('{}') });
      expect(out.status).toBe(401);
    } finally {
      await other.stop();
    }
  });
});
