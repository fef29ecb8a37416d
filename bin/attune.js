#!/usr/bin/env node
// The `attune` command. Installed from the package it runs the compiled code (dist/); in a
// checkout (src/ present) it runs the TypeScript sources through tsx, so editing needs no build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
