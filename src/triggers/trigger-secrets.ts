/**
 * Credentials among trigger parameters (a `core.webhook`'s `token` and HMAC `secret`) are stored
 * like secret action parameters: sealed with the secret key (`actions/secrets.ts`) in
 * `trigger_instance.secrets`, masked in `trigger_instance.parameters`. The instance's
 * `params_hash` is then an HMAC under the key: an unkeyed digest of the parameters would let a
 * reader of the table test guesses of a token offline. Only the webhook receiver opens them, to
 * verify a request. Rows stored plain before migration 0050 are sealed by `migrate()`.
 */
import { createHmac } from 'node:crypto';
import { decryptSecrets, encryptSecrets, SECRET_MASK } from '../actions/secrets.ts';
import { canonicalJson, paramsHash } from '../db/packs-repo.ts';
import type { Sql } from '../db/sql.ts';
import { plainCredentialInstances, sealInstance, type TriggerInstanceToStore } from '../db/trigger-instances-repo.ts';

/** The parameters of each trigger that are credentials. */
const CREDENTIALS: Readonly<Record<string, readonly string[]>> = { 'core.webhook': ['token', 'secret'] };

/** The encryption key, fetched only when there is something to seal or open (it may live in Redis). */
export type KeySource = () => Promise<Buffer>;

export function credentialNames(triggerRef: string): readonly string[] {
  return CREDENTIALS[triggerRef] ?? [];
}

function keyedHash(key: Buffer, params: Record<string, unknown>): string {
  const hashKey = createHmac('sha256', key).update('attune trigger_instance.params_hash').digest();
  return `k1:${createHmac('sha256', hashKey).update(canonicalJson(params)).digest('hex')}`;
}

/** What is stored for these parameters of `triggerRef`: unchanged with the plain hash when they hold no credential. */
export async function sealTriggerParameters(key: KeySource, triggerRef: string, params: Record<string, unknown>): Promise<TriggerInstanceToStore> {
  const names = credentialNames(triggerRef).filter((n) => params[n] !== undefined);
  if (names.length === 0) return { parameters: params, secrets: null, hash: paramsHash(params) };
  const k = await key();
  const secrets = Object.fromEntries(names.map((n) => [n, params[n]]));
  return {
    parameters: { ...params, ...Object.fromEntries(names.map((n) => [n, SECRET_MASK])) },
    secrets: encryptSecrets(k, { secrets, verbatim: {} }),
    hash: keyedHash(k, params),
  };
}

/** The parameters with their credentials back (a plain row's are returned as they are). Throws when the key differs. */
export function openTriggerParameters(key: Buffer, parameters: Record<string, unknown>, secrets: string | null): Record<string, unknown> {
  return secrets === null ? parameters : { ...parameters, ...decryptSecrets(key, secrets).secrets };
}

/** For display: credentials masked, whether the row is sealed or (before `migrate()`) still plain. */
export function maskCredentials(triggerRef: string, params: Record<string, unknown>): Record<string, unknown> {
  const names = credentialNames(triggerRef).filter((n) => n in params);
  return names.length === 0 ? params : { ...params, ...Object.fromEntries(names.map((n) => [n, SECRET_MASK])) };
}

/** Seals every instance still holding a credential in plain text; idempotent. Returns how many were sealed. */
export async function sealPlainTriggerInstances(sql: Sql, key: KeySource): Promise<number> {
  let sealed = 0;
  for (const [triggerRef, names] of Object.entries(CREDENTIALS)) {
    for (const row of await plainCredentialInstances(sql, triggerRef, names)) {
      if (await sealInstance(sql, row.id, triggerRef, await sealTriggerParameters(key, triggerRef, row.parameters))) sealed += 1;
    }
  }
  return sealed;
}
