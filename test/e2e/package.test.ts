/**
 * The README is a test: the project is packed (`npm pack`, which builds dist/), the tarball is
 * installed into a scratch project without TypeScript tooling, and the README's library example,
 * extracted as written, runs with plain `node` until an execution succeeds. A TypeScript consumer
 * is type-checked against the shipped `.d.ts` (typed code-first action and `emit`). The install
 * prefers the npm cache (`--prefer-offline`: the tarballs are there after `npm ci`; the registry is
 * asked only for metadata the cache lacks).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropIsolation, isolation } from '../helpers.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const iso = isolation('package');
let dir = '';
let files: string[] = [];

/** The first ```js block after the "As a library" heading of README.md. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## As a library'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README.md: no ```js block under "## As a library"');
  return match[1];
}

const typedConsumer = `
import { z } from 'zod';
import { createAttune, defineAction, defineTrigger, type ExecutionRow } from 'attune-node';

const orderPaid = defineTrigger({ ref: 'shop.order_paid', payload: z.object({ orderId: z.string(), amount: z.number() }) });
const refund = defineAction({
  ref: 'shop.refund',
  parameters: z.object({ orderId: z.string(), cents: z.number().int().default(0) }),
  handler: async ({ orderId, cents }) => ({ refunded: orderId.length + cents }),
});
const attune = await createAttune({ definitions: [orderPaid, refund] });
await attune.emit('shop.order_paid', { orderId: 'o-1', amount: 12 });
// @ts-expect-error amount must be a number
await attune.emit('shop.order_paid', { orderId: 'o-1', amount: '12' });
// @ts-expect-error the payload is required for a defined trigger
await attune.emit('shop.order_paid');
const row: ExecutionRow = await attune.run('shop.refund', { orderId: 'o-1' });
// @ts-expect-error orderId is required
await attune.run('shop.refund', { cents: 5 });
await attune.emit('core.event', { anything: true });
await attune.packs.loadCore();
console.log(row.id);
`;

describe('the package, installed from its tarball', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'attune-consumer-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    if (!packed) throw new Error('npm pack printed no result');
    files = packed.files.map((f) => f.path);
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, packed.filename)], {
      cwd: dir,
    });
  }, 300_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await dropIsolation(iso.namespace, iso.schema);
  });

  it('ships the compiled code, its SQL and Lua, the core pack and the bin; no sources, tests or scripts', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/attune.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/db/migrations/0001_init.sql',
        'dist/streams/lua/dead-letter.lua',
        'packs/core/pack.yaml',
      ]),
    );
    const unexpected = files.filter((f) => !/^(dist|packs\/core|bin)\//.test(f) && !['package.json', 'README.md'].includes(f));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /^(src|test|scripts)\//.test(f) || /\.test\.|\.ts$/.test(f.replace(/\.d\.ts$/, '')))).toEqual([]);
  });

  it('runs the README library example with plain node until an execution succeeds', async () => {
    await writeFile(path.join(dir, 'example.mjs'), await readmeExample());
    const env = { ...process.env, ATTUNE_NAMESPACE: iso.namespace, ATTUNE_DB_SCHEMA: iso.schema, ATTUNE_LOG_LEVEL: 'warn' };
    const { stdout } = await run(process.execPath, ['example.mjs'], { cwd: dir, env, timeout: 120_000 });
    expect(stdout).toMatch(/execution \d+ succeeded \{ sent: 'o-1' \}/);
  }, 150_000);

  it('type-checks a TypeScript consumer against the shipped .d.ts, typed code-first action and emit included', async () => {
    await writeFile(path.join(dir, 'consumer.ts'), typedConsumer);
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [path.join(root, 'node_modules/@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    };
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).then(
      () => 'ok',
      (err: Error & { stdout?: string }) => err.stdout ?? err.message,
    );
    expect(result).toBe('ok');
  }, 150_000);
});
