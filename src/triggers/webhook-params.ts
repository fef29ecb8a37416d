/** `core.webhook` trigger parameters and the credential checks (pure). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const webhookParams = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a webhook name holds letters, digits, "_", "." and "-"'),
    /** Shared token, sent as `X-Attune-Token: <token>` or `Authorization: Bearer <token>`. */
    token: z.string().min(16, 'a webhook token needs at least 16 characters').optional(),
    /** HMAC-SHA256 key; the signature of the raw body is sent as `X-Hub-Signature-256: sha256=<hex>`. */
    secret: z.string().min(16, 'a webhook secret needs at least 16 characters').optional(),
  })
  .refine((p) => p.token !== undefined || p.secret !== undefined, { message: 'a webhook needs `token` or `secret`: unauthenticated webhooks are refused' });
export type WebhookParams = z.infer<typeof webhookParams>;

export const TOKEN_HEADER = 'x-attune-token';
export const SIGNATURE_HEADER = 'x-hub-signature-256';
/** Headers that carry credentials: never copied into the event payload. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([TOKEN_HEADER, SIGNATURE_HEADER, 'authorization', 'cookie']);

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hmacSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** True when the request carries the webhook's token or a valid signature of its raw body. */
export function authenticated(p: WebhookParams, headers: Record<string, string | string[] | undefined>, rawBody: Buffer): boolean {
  if (p.token !== undefined) {
    const bearer = /^Bearer\s+(.+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
    const given = header(headers, TOKEN_HEADER) ?? bearer;
    if (given !== undefined && sameText(given, p.token)) return true;
  }
  if (p.secret !== undefined) {
    const sig = header(headers, SIGNATURE_HEADER);
    if (sig !== undefined && sameText(sig.toLowerCase(), hmacSignature(p.secret, rawBody))) return true;
  }
  return false;
}
