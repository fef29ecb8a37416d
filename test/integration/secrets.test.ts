// Secret parameters: the action gets the real value; logs, stored rows, results and stream
// entries only ever hold the mask (or ciphertext). Logs are captured from a pino stream.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';

const rtPackDir = fileURLToPath(new URL('../fixtures/rt-pack', import.meta.url));
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});
let attune: Attune;
let tmp = '';

/** Every value held in the namespace's Redis keys: stream entries, strings, hashes. */
async function redisDump(): Promise<string> {
  const r = probe(attune).redis;
  const keys = (await r.keys(`${attune.config.namespace}:*`)).filter((k) => !k.endsWith(':secret-key'));
  const parts: string[] = [];
  for (const k of keys) {
    const type = await r.type(k);
    if (type === 'stream') parts.push(JSON.stringify(await r.xrange(k, '-', '+')));
    else if (type === 'string') parts.push((await r.get(k)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await r.hgetall(k)));
  }
  return parts.join('\n');
}

async function storedExecutions(): Promise<string> {
  const rows = await probe(attune).sql<{ row: string }[]>`select row_to_json(e)::text as row from execution e`;
  const enf = await probe(attune).sql<{ row: string }[]>`select row_to_json(x)::text as row from enforcement x`;
  return [...rows, ...enf].map((r) => r.row).join('\n');
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'attune-secrets-'));
  attune = await testAttune('secrets', { logger: pino({ level: 'trace' }, capture), secretKey: 'a test key of at least 16 chars' });
  await attune.packs.load(corePackDir);
  await attune.packs.load(rtPackDir);
  await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
});
afterAll(async () => {
  await disposeAttune(attune);
  await rm(tmp, { recursive: true, force: true });
});

describe('secret parameters', () => {
  it('a manual run: the action gets the real value; rows, results, streams and logs hold only the mask', async () => {
    const token = `s3cr3t-${Math.random().toString(36).slice(2)}-"quoted"`;
    const out = path.join(tmp, 'manual.txt');
    const e = await attune.run('rt.secret', { token, out }, { wait: true });
    expect(e.status).toBe('succeeded');
    expect(readFileSync(out, 'utf8')).toBe(token); // the worker ran it with the real value
    expect(e.parameters).toEqual({ token: '********', out });
    expect(e.result?.stdout).toBe('token is ********\n');
    expect(e.result?.stderr).toContain('"token":"********"'); // the stdin JSON, echoed to stderr
    expect(e.stderr).not.toContain(token);
    const [sealed] = await probe(attune).sql<{ secrets: string }[]>`select secrets from execution where id = ${e.id}`;
    expect(sealed?.secrets).toMatch(/^v1:/);

    const rerun = await attune.executions.rerun(e.id, { wait: true });
    expect(rerun.status).toBe('succeeded'); // the sealed value went along
    expect(rerun.parameters).toEqual({ token: '********', out });

    expect(await storedExecutions()).not.toContain(token);
    expect(await redisDump()).not.toContain(token);
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.join('')).not.toContain(token);
  });

  it('a rule-driven execution: masked at insert by the enforcer, real for the action', async () => {
    const token = `rule-${Math.random().toString(36).slice(2)}`;
    const out = path.join(tmp, 'rule.txt');
    await attune.emit('core.event', { kind: 'secret', token, out });
    const e = await eventually('the rule-driven execution finished', async () => {
      const [row] = await attune.executions.list({ action: 'rt.secret', status: 'succeeded', limit: 1 });
      return row?.parameters.out === out ? row : null;
    });
    expect(readFileSync(out, 'utf8')).toBe(token);
    expect(e.parameters).toEqual({ token: '********', out });
    expect(e.result?.stdout).toBe('token is ********\n');
    expect(await storedExecutions()).not.toContain(token);
    expect(logLines.join('')).not.toContain(token);
  });

  it('the sealed column opens only with the key it was sealed with', async () => {
    const [row] = await probe(attune).sql<{ id: number; secrets: string }[]>`select id, secrets from execution where secrets is not null limit 1`;
    const { decryptSecrets, deriveKey } = await import('../../src/actions/secrets.ts');
    expect(() => decryptSecrets(deriveKey('some other key, 16+ chars'), row!.secrets)).toThrow('secret key differs');
    expect(decryptSecrets(deriveKey('a test key of at least 16 chars'), row!.secrets).secrets.token).toMatch(/^s3cr3t-|^rule-/);
  });
});
