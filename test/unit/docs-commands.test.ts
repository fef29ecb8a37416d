/**
 * The docs tell a reader how to run the `attune` command in a way that runs this package: outside
 * a project that installed `attune-node`, `npx attune` (and `npm exec attune`) downloads an
 * unrelated registry package. The e2e tests run `node bin/attune.js`, the way docs/cli.md gives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(`${root}docs`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs: how to run the attune command', () => {
  it('no page suggests `npx attune` (or `npm exec attune`)', () => {
    const hits = pages.flatMap((page) =>
      readFileSync(`${root}${page}`, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\b(npx|npm exec)( --?[\w-]+)* attune\b(?!-)/.test(line) ? [`${page}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });
});
