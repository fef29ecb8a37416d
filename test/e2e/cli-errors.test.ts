/**
 * How the `attune` command fails, as a user meets it: an argument error is one line naming the
 * help to read (docs/cli.md), and output piped into a reader that stops early (`| head`) ends
 * quietly instead of with an EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { cliEnv, cliRunner, disposeAttune, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
let attune: Attune;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  attune = await testAttune('clierrors');
  env = cliEnv(attune);
});
afterAll(async () => {
  await disposeAttune(attune);
});

/** Runs `attune <args>`; its stdout is read until the first chunk, then closed, as `| head -c 10` does. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (b: Buffer) => {
      first = b.toString().slice(0, 10);
      child.stdout.destroy();
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, first, stderr }));
  });
}

describe('attune: failing well', () => {
  it('`execution get <id> --json | head -c 10`: the reader leaves early, the command exits 0 with nothing on stderr', async () => {
    await attune.packs.loadCore();
    // ~300 kB of JSON: far more than a pipe buffer holds, so the command is still writing when the reader leaves
    const e = await attune.run('core.echo', { message: 'x'.repeat(300_000) });
    for (let i = 0; i < 3; i++) {
      const r = await runIntoClosedPipe(['execution', 'get', String(e.id), '--json']);
      expect(r.first).toMatch(/^\{/);
      expect(r.stderr).not.toMatch(/EPIPE|at .*\(node:/);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('an argument error is one line on stderr that names the help to read, and exit code 1', async () => {
    const cases: [string[], string][] = [
      [['execution', 'list', '--bogus'], "error: unknown option '--bogus' (see attune execution list --help)\n"],
      [['execution', 'list', '--jsn'], "error: unknown option '--jsn' (Did you mean --json?) (see attune execution list --help)\n"],
      [['execution', 'get'], "error: missing required argument 'id' (see attune execution get --help)\n"],
      [
        ['execution', 'list', '--limit', 'x'],
        `error: option '--limit <n>' argument 'x' is invalid. expected a positive integer, got "x" (see attune execution list --help)\n`,
      ],
      [['bogus'], "error: unknown command 'bogus' (see attune --help)\n"],
      [['rule', 'bogus'], "error: unknown command 'bogus' (see attune rule --help)\n"],
    ];
    const results = await Promise.all(cases.map(([args]) => cliRunner(env)(...args)));
    results.forEach((r, i) => {
      const [args, expected] = cases[i]!;
      expect(r.stderr, args.join(' ')).toBe(expected);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
    });
  });

  it('`attune run` with no live worker says why nothing will happen yet (instead of `--wait` waiting in silence); the request stands', async () => {
    await attune.packs.loadCore();
    const r = await cliRunner(env)('run', 'core.echo', 'message=hi');
    expect(r.stderr).toBe(
      `attune: no live worker in namespace "${attune.config.namespace}": the execution waits in the queue until one starts (\`attune up\`)\n`,
    );
    expect(r.stdout).toMatch(/^execution \d+ core\.echo requested/);
    expect(r.code).toBe(0);
  });
});
