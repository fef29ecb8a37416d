/**
 * CLI start-up time, from source (bin/attune.js in a checkout: tsx compiles on the fly) and
 * compiled (dist/, what an installed package runs), side by side: medians of several runs of
 * `attune --help`. Builds dist/ first if it is missing. Usage: npm run startup [-- --runs 7]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
if (!existsSync(`${root}/dist/cli/main.js`)) execFileSync(process.execPath, [`${root}/scripts/build.js`], { stdio: 'inherit' });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function time(entry: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [entry, '--help'], { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${entry} --help exited with ${r.status}`);
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

const source = time(`${root}/bin/attune.js`);
const compiled = time(`${root}/dist/cli/main.js`);
console.log(`attune --help, median of ${runs} runs`);
console.log(`  from source (tsx)   ${median(source).toFixed(0).padStart(6)} ms`);
console.log(`  compiled (dist/)    ${median(compiled).toFixed(0).padStart(6)} ms`);
console.log(`  speed-up            ${(median(source) / median(compiled)).toFixed(1).padStart(6)} ×`);
