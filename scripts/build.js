// `npm run build`: compiles src/ into dist/ (ESM JavaScript + .d.ts, tsconfig.build.json) and
// copies what the code reads next to itself at run time (SQL migrations, Lua scripts), so that
// `new URL('./migrations/', import.meta.url)` finds them from dist/ as it does from src/.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(`${root}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', `${root}/tsconfig.build.json`], { stdio: 'inherit' });
// every .sql and .lua file under src/ (migrations, streams/lua, limits/lua …): a new folder of them needs no change here
const assets = readdirSync(`${root}/src`, { recursive: true }).filter((f) => /\.(sql|lua)$/.test(f));
for (const f of assets) cpSync(`${root}/src/${f}`, `${root}/dist/${f}`);
