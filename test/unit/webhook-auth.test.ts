/** The webhook credential check (pure): every form, right and wrong. The HTTP path is in test/integration/webhook.test.ts. */
import { describe, expect, it } from 'vitest';
import { authenticated, CREDENTIAL_HEADERS, hmacSignature, webhookParams } from '../../src/triggers/webhook-params.ts';

const TOKEN = 'tok-0123456789abcdef';
const SECRET = 'sec-0123456789abcdef';
const body = Buffer.from('{"a":1}');
const oneOff = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
const token = webhookParams.parse({ name: 'deploy', token: TOKEN });
const secret = webhookParams.parse({ name: 'signed', secret: SECRET });
const both = webhookParams.parse({ name: 'both', token: TOKEN, secret: SECRET });

describe('webhook credentials', () => {
  it.each([
    ['X-Attune-Token', token, { 'x-attune-token': TOKEN }],
    ['Authorization: Bearer', token, { authorization: `Bearer ${TOKEN}` }],
    ['Authorization: bearer, several spaces', token, { authorization: `bearer   ${TOKEN}` }],
    ['the first of repeated X-Attune-Token headers', token, { 'x-attune-token': [TOKEN, 'x'] }],
    ['X-Hub-Signature-256', secret, { 'x-hub-signature-256': hmacSignature(SECRET, body) }],
    ['X-Hub-Signature-256 upper-case', secret, { 'x-hub-signature-256': hmacSignature(SECRET, body).toUpperCase() }],
    ['a signature, on a webhook with token and secret', both, { 'x-hub-signature-256': hmacSignature(SECRET, body) }],
    ['a token, on a webhook with token and secret', both, { 'x-attune-token': TOKEN }],
  ] as const)('accepts %s', (_what, params, headers) => {
    expect(authenticated(params, headers as Record<string, string | string[]>, body)).toBe(true);
  });

  it.each([
    ['nothing', token, {}],
    ['a token of the same length, one character off', token, { 'x-attune-token': oneOff(TOKEN) }],
    ['a prefix of the token', token, { 'x-attune-token': TOKEN.slice(0, -1) }],
    ['the token with a character more', token, { 'x-attune-token': `${TOKEN}x` }],
    ['Bearer of the same length, one character off', token, { authorization: `Bearer ${oneOff(TOKEN)}` }],
    ['the token without the Bearer scheme', token, { authorization: TOKEN }],
    ['the token after another scheme', token, { authorization: `Basic ${TOKEN}` }],
    ['Bearer with nothing after it', token, { authorization: 'Bearer ' }],
    ['a wrong X-Attune-Token beside a right Bearer (the explicit header wins)', token, { 'x-attune-token': oneOff(TOKEN), authorization: `Bearer ${TOKEN}` }],
    ['a signature made with the token, on a token webhook', token, { 'x-hub-signature-256': hmacSignature(TOKEN, body) }],
    ['an HMAC of the right format with another key', secret, { 'x-hub-signature-256': hmacSignature(oneOff(SECRET), body) }],
    ['an HMAC of another body', secret, { 'x-hub-signature-256': hmacSignature(SECRET, '{"a":2}') }],
    ['an HMAC one hex digit off', secret, { 'x-hub-signature-256': oneOff(hmacSignature(SECRET, body)) }],
    ['an HMAC without the sha256= prefix', secret, { 'x-hub-signature-256': hmacSignature(SECRET, body).slice(7) }],
    ['the secret as a token', secret, { 'x-attune-token': SECRET }],
    ['the secret as a Bearer token', secret, { authorization: `Bearer ${SECRET}` }],
    [
      'wrong token and wrong signature on a webhook with both',
      both,
      { 'x-attune-token': oneOff(TOKEN), 'x-hub-signature-256': oneOff(hmacSignature(SECRET, body)) },
    ],
  ] as const)('refuses %s', (_what, params, headers) => {
    expect(authenticated(params, headers as Record<string, string>, body)).toBe(false);
  });

  it('never copies a credential header into the event payload', () => {
    expect([...CREDENTIAL_HEADERS].sort()).toEqual(['authorization', 'cookie', 'x-attune-token', 'x-hub-signature-256']);
  });

  it('refuses a webhook without credentials, or with a short token or secret, when it is saved', () => {
    expect(webhookParams.safeParse({ name: 'open' }).error?.issues[0]?.message).toMatch(/needs `token` or `secret`/);
    expect(webhookParams.safeParse({ name: 'x', token: 'short' }).error?.issues[0]?.message).toMatch(/at least 16 characters/);
    expect(webhookParams.safeParse({ name: 'x', secret: 'short' }).error?.issues[0]?.message).toMatch(/at least 16 characters/);
    expect(webhookParams.safeParse({ name: 'x', token: 'a'.repeat(16) }).success).toBe(true);
    expect(webhookParams.safeParse({ name: 'a b', token: TOKEN }).success).toBe(false);
  });
});
