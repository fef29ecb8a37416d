/** Attune instances for tests, each in its own namespace and schema (see support.ts). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { createAttune, type Attune, type AttuneOptions } from '../src/index.ts';
import { kill, type ActorProcess } from './fixtures/actor-process.ts';
import { databaseUrl, dropIsolation, isolation, redisUrl } from './support.ts';

export * from './support.ts';

/** Instances not yet disposed: `test/setup.ts` fails the file if any is left running. */
export const liveInstances = new Set<Attune>();

/** An Attune instance in its own namespace and schema, migrated. */
export async function testAttune(label: string, options: AttuneOptions = {}): Promise<Attune> {
  const iso = isolation(label);
  const attune = await createAttune({
    namespace: iso.namespace,
    schema: iso.schema,
    logLevel: (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
    ...options,
  });
  liveInstances.add(attune);
  const stop = attune.stop.bind(attune);
  attune.stop = async () => {
    liveInstances.delete(attune);
    await stop();
  };
  await attune.migrate();
  return attune;
}

/** Stops the instance, then drops its schema and deletes its keys. */
export async function disposeAttune(attune: Attune): Promise<void> {
  const { namespace, schema } = attune.config;
  await attune.stop();
  await dropIsolation(namespace, schema);
}

const bin = fileURLToPath(new URL('../bin/attune.js', import.meta.url));

/** The environment that points the `attune` command at `attune`'s namespace and schema. */
export function cliEnv(attune: Attune): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    ATTUNE_NAMESPACE: attune.config.namespace,
    ATTUNE_DB_SCHEMA: attune.config.schema,
    ATTUNE_LOG_LEVEL: 'error',
  };
}

/** Runs `attune <args>` through /bin/sh against `attune`'s namespace and schema, so `args` is quoted exactly as on a command line. */
export function runCli(attune: Attune, args: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = cliEnv(attune);
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', `"${process.execPath}" "${bin}" ${args}`], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * For crash tests: after each test, SIGKILLs the actor processes pushed on `procs` and disposes
 * the instance given to `use`.
 */
export function crashTestScope(): { procs: ActorProcess[]; use: (a: Attune) => Attune } {
  const procs: ActorProcess[] = [];
  let current: Attune | null = null;
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => kill(p)));
    if (current) await disposeAttune(current);
    current = null;
  });
  return { procs, use: (a) => (current = a) };
}
