// `npm run build`: compiles src/ into dist/ (ESM JavaScript + .d.ts, tsconfig.build.json) and
// copies what the code reads next to itself at run time (SQL migrations, Lua scripts), so that
// `new URL('./migrations/', import.meta.url)` finds them from dist/ as it does from src/.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const assets = ['db/migrations', 'streams/lua'];

rmSync(`${root}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', `${root}/tsconfig.build.json`], { stdio: 'inherit' });
for (const dir of assets) cpSync(`${root}/src/${dir}`, `${root}/dist/${dir}`, { recursive: true });
