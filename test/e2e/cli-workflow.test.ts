// Workflows from the command line: `attune run <workflow> --wait` with its defaults, the tree of
// `attune execution get --tree` (and --json), `attune execution list --parent`, `attune workflow show`.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, databaseUrl, disposeAttune, redisUrl, testAttune } from '../helpers.ts';

const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));
const examplesDir = fileURLToPath(new URL('../../packs/examples', import.meta.url));
let attune: Attune;

function cli(args: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    ATTUNE_NAMESPACE: attune.config.namespace,
    ATTUNE_DB_SCHEMA: attune.config.schema,
    ATTUNE_LOG_LEVEL: 'error',
  };
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', `"${process.execPath}" "${bin}" ${args}`], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  attune = await testAttune('cliwf');
  await attune.packs.load(corePackDir);
  await attune.packs.load(examplesDir);
  await attune.start({ actors: ['scheduler', 'worker', 'manager', 'workflow'] });
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('workflows on the command line', () => {
  it('run --wait, then the tree, the tree as JSON, and the tasks by parent', async () => {
    const run = await cli('run examples.fork_join --wait --json');
    expect(run.code, run.stderr).toBe(0);
    const e = JSON.parse(run.stdout) as { id: number; status: string };
    expect(e.status).toBe('succeeded');

    const tree = await cli(`execution get ${e.id} --tree`);
    expect(tree.code, tree.stderr).toBe(0);
    const lines = tree.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${e.id} examples.fork_join succeeded`);
    expect(lines[1]).toContain('state: succeeded');
    expect(lines[1]).toContain('"joined":"left and right"');
    expect(lines.filter((l) => /^ {2}\d+ (left|right|join) core\.echo succeeded$/.test(l))).toHaveLength(3);

    const json = JSON.parse((await cli(`execution get ${e.id} --tree --json`)).stdout) as { children: { execution: { task_name: string } }[] };
    expect(json.children.map((c) => c.execution.task_name).sort()).toEqual(['join', 'left', 'right']);

    const list = JSON.parse((await cli(`execution list --parent ${e.id} --json`)).stdout) as { parent_id: number }[];
    expect(list).toHaveLength(3);
    expect(list.every((r) => r.parent_id === e.id)).toBe(true);
  });

  it('workflow show prints the compiled states and transitions and the task graph', async () => {
    const r = await cli('workflow show examples.branch');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('machine examples.branch (initial: "running")');
    expect(r.stdout).toMatch(/^ {2}running {2}entry: "start"$/m);
    expect(r.stdout).toContain('CHILD_FINISHED → (stay) / clear, advance');
    expect(r.stdout).toContain('canceled (final)');
    expect(r.stdout).toContain('when input.size > ctx.limit → big');
    const bad = await cli('workflow show core.echo');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('action "core.echo" is not a workflow');
  });
});
