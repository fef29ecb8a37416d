/** Sealing trigger credentials (pure: the key is given): masked parameters, sealed blob, keyed hash. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paramsHash } from '../../src/db/packs-repo.ts';
import { maskCredentials, openTriggerParameters, sealTriggerParameters } from '../../src/triggers/trigger-secrets.ts';

const key = (text: string) => async () => createHash('sha256').update(text).digest();
const params = { name: 'deploy', token: 'tok-0123456789abcdef', secret: 'sec-0123456789abcdef' };

describe('trigger credentials', () => {
  it('seals a webhook token and secret: masked, encrypted, hashed under the key', async () => {
    const stored = await sealTriggerParameters(key('k1-0123456789abcdef'), 'core.webhook', params);
    expect(stored.parameters).toEqual({ name: 'deploy', token: '********', secret: '********' });
    expect(stored.secrets).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain('0123456789abcdef');
    expect(stored.hash).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(stored.hash).not.toBe(paramsHash(params));
    expect(openTriggerParameters(await key('k1-0123456789abcdef')(), stored.parameters, stored.secrets)).toEqual(params);
  });

  it('the hash is stable under one key, differs under another and for another token', async () => {
    const a = await sealTriggerParameters(key('k1-0123456789abcdef'), 'core.webhook', params);
    const b = await sealTriggerParameters(key('k1-0123456789abcdef'), 'core.webhook', { ...params });
    const c = await sealTriggerParameters(key('k2-0123456789abcdef'), 'core.webhook', params);
    const d = await sealTriggerParameters(key('k1-0123456789abcdef'), 'core.webhook', { ...params, token: 'tok-0123456789abcdeF' });
    expect(b.hash).toBe(a.hash);
    expect(b.secrets).not.toBe(a.secrets); // a fresh IV each time
    expect(c.hash).not.toBe(a.hash);
    expect(d.hash).not.toBe(a.hash);
  });

  it('another key cannot open them', async () => {
    const stored = await sealTriggerParameters(key('k1-0123456789abcdef'), 'core.webhook', params);
    expect(() => openTriggerParameters(createHash('sha256').update('other').digest(), stored.parameters, stored.secrets)).toThrow(/secret key differs/);
  });

  it('leaves parameters without credentials as they were, with the plain hash, without asking for the key', async () => {
    const timer = { unit: 'seconds', delta: 2 };
    const never = async (): Promise<Buffer> => Promise.reject(new Error('no key needed'));
    expect(await sealTriggerParameters(never, 'core.intervaltimer', timer)).toEqual({ parameters: timer, secrets: null, hash: paramsHash(timer) });
    expect(await sealTriggerParameters(never, 'core.intervaltimer', { token: 'x' })).toMatchObject({ secrets: null });
    expect(openTriggerParameters(Buffer.alloc(32), timer, null)).toBe(timer);
  });

  it('masks credentials for display, sealed or plain', () => {
    expect(maskCredentials('core.webhook', params)).toEqual({ name: 'deploy', token: '********', secret: '********' });
    expect(maskCredentials('core.webhook', { name: 'x', token: 'abc' })).toEqual({ name: 'x', token: '********' });
    expect(maskCredentials('core.intervaltimer', { token: 'abc' })).toEqual({ token: 'abc' });
  });
});
