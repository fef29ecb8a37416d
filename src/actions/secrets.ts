/**
 * Secret parameters: stored encrypted (AES-256-GCM, node:crypto) in `execution.secrets`, masked
 * in `execution.parameters`, logs and results; decrypted only by the worker that runs the action.
 * The same sealed column carries string values holding a NUL byte, which Postgres' jsonb cannot
 * store: `parameters` shows them with NUL as "␀" (U+2400), and the action gets them verbatim.
 *
 * Webhook credentials are sealed with the same key and helpers (triggers/trigger-secrets.ts).
 *
 * The key is `secretKey` / `ATTUNE_SECRET_KEY` (any string; SHA-256 makes it 32 bytes). Without
 * one, a random key is generated once per namespace and kept in Redis (`SET NX`), with a warning:
 * good for development (every process of the namespace shares it), not for production, where the
 * key should live apart from both stores. Each context reads it again at most every 30 s.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { AttuneContext } from '../context.ts';
import { SECRET_MASK } from '../logger.ts';
import type { ParametersSpec } from './parameters.ts';

/** What a secret value shows as in `parameters`, logs and results (defined once, in the logger). */
export { SECRET_MASK };

const VERSION = 'v1';
/** Shorter secrets are not searched for in output (masking "a" would mangle every line). */
const MIN_MASKED_LENGTH = 3;

export function deriveKey(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

const warned = new WeakSet<object>();

/**
 * How long a key read from Redis serves before it is read again: one read per context and period,
 * not one per webhook delivery or run; after it, processes converge on what Redis holds (a key
 * generated anew after Redis lost it).
 */
export const SECRET_KEY_CACHE_MS = 30_000;
const cached = new WeakMap<AttuneContext, { key: Promise<Buffer>; until: number }>();

/**
 * The encryption key of this instance (configured, or generated once per namespace in Redis and
 * cached for `SECRET_KEY_CACHE_MS`; `now` is for tests).
 */
export async function secretKey(ctx: AttuneContext, now: () => number = Date.now): Promise<Buffer> {
  if (ctx.config.secretKey) return deriveKey(ctx.config.secretKey);
  const at = now();
  const hit = cached.get(ctx);
  if (hit && at < hit.until) return hit.key;
  const key = readSecretKey(ctx);
  cached.set(ctx, { key, until: at + SECRET_KEY_CACHE_MS });
  key.catch(() => cached.get(ctx)?.key === key && cached.delete(ctx)); // a failed read is not kept
  return key;
}

async function readSecretKey(ctx: AttuneContext): Promise<Buffer> {
  const fresh = randomBytes(32).toString('base64');
  await ctx.redis.set(ctx.keys.secretKey, fresh, 'NX');
  const stored = await ctx.redis.get(ctx.keys.secretKey);
  if (!stored) throw new Error(`secret key ${ctx.keys.secretKey} vanished from Redis`);
  if (!warned.has(ctx)) {
    warned.add(ctx);
    ctx.log.warn(
      { key: ctx.keys.secretKey },
      'no secretKey configured (ATTUNE_SECRET_KEY): secret parameters and webhook credentials are encrypted with a key generated and kept in Redis; set one in production',
    );
  }
  return deriveKey(stored);
}

/** What the sealed column holds: secret values, and exact values that jsonb cannot store. */
export interface Sealed {
  secrets: Record<string, unknown>;
  verbatim: Record<string, unknown>;
}

/** `v1:<iv>:<tag>:<ciphertext>`, base64 parts. */
export function encryptSecrets(key: Buffer, values: Sealed): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

export function decryptSecrets(key: Buffer, blob: string): Sealed {
  const [version, iv, tag, ct] = blob.split(':');
  if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('secret parameters: unknown encoding');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(text) as Sealed;
  } catch {
    throw new Error('secret parameters cannot be decrypted: the secret key differs from the one they were stored with');
  }
}

/** NUL → "␀" in every string, deep: what Postgres (jsonb, text) can store. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\0') ? value.replace(/\0/g, '\u2400') : value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => storable(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, storable(v)])) as T;
  }
  return value;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object') return Object.values(value).some(hasNul);
  return false;
}

/** Splits validated values into what may be stored as is (secrets masked, NUL shown as ␀) and what is sealed. */
export function splitSecrets(spec: ParametersSpec, values: Record<string, unknown>): { masked: Record<string, unknown>; sealed: Sealed | null } {
  const masked: Record<string, unknown> = {};
  const sealed: Sealed = { secrets: {}, verbatim: {} };
  for (const [name, v] of Object.entries(values)) {
    if (spec[name]?.secret) {
      sealed.secrets[name] = v;
      masked[name] = SECRET_MASK;
    } else if (hasNul(v)) {
      sealed.verbatim[name] = v;
      masked[name] = storable(v);
    } else masked[name] = v;
  }
  const any = Object.keys(sealed.secrets).length + Object.keys(sealed.verbatim).length > 0;
  return { masked, sealed: any ? sealed : null };
}

/** The texts to hide: each secret value, as text and as JSON. */
export function secretTexts(secrets: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const v of Object.values(secrets)) {
    if (v === undefined || v === null) continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text.length >= MIN_MASKED_LENGTH) out.add(text);
    if (typeof v === 'string') {
      const json = JSON.stringify(v).slice(1, -1); // as it appears inside a JSON string
      if (json.length >= MIN_MASKED_LENGTH) out.add(json);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of a secret in strings, deep (results, stdout, stderr, reasons). */
export function maskDeep<T>(value: T, texts: readonly string[]): T {
  if (texts.length === 0) return value;
  if (typeof value === 'string') {
    let s: string = value;
    for (const t of texts) s = s.split(t).join(SECRET_MASK);
    return s as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => maskDeep(v, texts)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskDeep(v, texts)])) as T;
  }
  return value;
}

/** What is stored for an execution: parameters with secrets masked, and the secrets encrypted. */
export async function protectSecrets(
  ctx: AttuneContext,
  spec: ParametersSpec,
  values: Record<string, unknown>,
): Promise<{ parameters: Record<string, unknown>; secrets: string | null }> {
  const { masked, sealed } = splitSecrets(spec, values);
  return { parameters: masked, secrets: sealed ? encryptSecrets(await secretKey(ctx), sealed) : null };
}
