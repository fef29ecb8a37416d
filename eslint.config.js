// Typed lint: a dropped promise here is a lost message, so floating promises are errors.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/**
 * The layers of `src/`, from the ground up (docs/architecture.md draws them). A file may import
 * from its own layer and the layers below, never from a layer above: type-only imports included,
 * since a type is knowledge of the room it comes from. Paths are files or folders under src/.
 */
export const layers = [
  {
    name: '0 base',
    paths: [
      'config.ts',
      'errors.ts',
      'logger.ts',
      'crash-point.ts',
      'process-guard.ts',
      'services.ts',
      'version.ts',
      'periodic.ts',
      'config-env.ts',
      'did-you-mean.ts',
    ],
  },
  { name: '1 domain', paths: ['domain'] },
  // src/registry/: the worker registry, written by workers and read by the scheduler, reconciler and facade.
  // src/limits/: concurrency slots and rate windows (Redis keys changed by Lua).
  { name: '2 storage', paths: ['streams', 'db', 'registry', 'limits'] },
  { name: '3 context', paths: ['context.ts'] },
  { name: '4 services', paths: ['rules', 'runtimes', 'triggers', 'actions', 'packs', 'workflows', 'executions', 'executions-service.ts'] },
  // The webhook server is part of the one HTTP server (src/http/, layer 7), which uses only the facade.
  { name: '5 actors', paths: ['actors'] },
  { name: '6 facade', paths: ['attune.ts', 'facade', 'index.ts'] },
  { name: '7 surfaces', paths: ['cli', 'http'] },
];

const srcDir = path.join(import.meta.dirname, 'src');
const unplaced = readdirSync(srcDir).filter((entry) => !layers.some((l) => l.paths.includes(entry)));
if (unplaced.length > 0) throw new Error(`eslint.config.js: src/${unplaced.join(', src/')} belongs to no layer; add it to \`layers\``);

const inSrc = (paths) => paths.map((p) => `./src/${p}`);
const layerZones = layers.slice(0, -1).map((layer, i) => ({
  target: inSrc(layer.paths),
  from: inSrc(layers.slice(i + 1).flatMap((l) => l.paths)),
  message: `Layer "${layer.name}" may import only from itself and the layers below (see docs/architecture.md).`,
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '.stryker-tmp/**', 'reports/**', 'dist/**', 'web/dist/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.stringMatching …) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
