/**
 * One bench scenario's world: its own namespace and Postgres schema (like a test file), the core
 * and bench packs loaded, actors in this process or in child processes, and a cleanup that
 * removes all of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createAttune, type Attune, type StartOptions } from '../../src/attune.ts';
import type { AttuneOptionsInput } from '../../src/config.ts';
import { dropIsolation, isolation, probe, type Probe } from '../../test/support.ts';
import { NOOP_ACTION, writeBenchPack } from './bench-pack.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const corePack = fileURLToPath(new URL('../../packs/core', import.meta.url));
const childScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface ChildSpec {
  actors: string[];
  runtimes?: string[];
  concurrency?: number;
}

export class BenchEnv {
  readonly attune: Attune;
  /** Raw Postgres and Redis on the scenario's schema and namespace, for measuring (closed with the instance). */
  readonly probe: Probe;
  private readonly children: ChildProcess[] = [];
  private readonly removePack: () => Promise<void>;

  private constructor(attune: Attune, removePack: () => Promise<void>) {
    this.attune = attune;
    this.probe = probe(attune);
    this.removePack = removePack;
  }

  static async open(label: string, options: AttuneOptionsInput = {}): Promise<BenchEnv> {
    const iso = isolation(`bench${label}`);
    const pack = await writeBenchPack();
    const attune = await createAttune({ namespace: iso.namespace, schema: iso.schema, logLevel: 'warn', ...options });
    const env = new BenchEnv(attune, pack.remove);
    try {
      await attune.migrate();
      await attune.packs.load(corePack);
      await attune.packs.load(pack.dir);
      attune.actions.handle(NOOP_ACTION, async () => ({ ok: true }));
    } catch (err) {
      await env.close();
      throw err;
    }
    return env;
  }

  start(options: StartOptions): Promise<unknown> {
    return this.attune.start(options);
  }

  /** Starts a child process running `spec.actors`, and waits until it says `ready`. */
  async spawn(spec: ChildSpec): Promise<void> {
    const args = ['--import', 'tsx', childScript, '--actors', spec.actors.join(',')];
    if (spec.runtimes) args.push('--runtimes', spec.runtimes.join(','));
    if (spec.concurrency) args.push('--concurrency', String(spec.concurrency));
    const nodeFlags = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const child = spawn(process.execPath, [...nodeFlags, ...args], {
      cwd: root,
      env: { ...process.env, ATTUNE_NAMESPACE: this.attune.config.namespace, ATTUNE_DB_SCHEMA: this.attune.config.schema, ATTUNE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      const onExit = (code: number | null) => reject(new Error(`bench child (${spec.actors.join(',')}) exited with code ${code} before it was ready`));
      child.once('exit', onExit);
      lines.on('line', (line) => {
        if (line.trim() !== 'ready') return;
        child.off('exit', onExit);
        resolve();
      });
    });
  }

  /** Emits `count` events of `trigger`, many per round trip, payload `{ n }`. */
  async emitMany(trigger: string, count: number, from = 0): Promise<void> {
    const chunk = 500;
    for (let i = 0; i < count; i += chunk) {
      const n = Math.min(chunk, count - i);
      await Promise.all(Array.from({ length: n }, (_, k) => this.attune.emit(trigger, { n: from + i + k })));
    }
  }

  /** Stops the children (SIGTERM, they drain), this instance, and drops the namespace and schema. */
  async close(): Promise<void> {
    await Promise.all(
      this.children.splice(0).map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    const { namespace, schema } = this.attune.config;
    await this.attune.stop();
    await dropIsolation(namespace, schema);
    await this.removePack();
  }
}

/** Opens an environment, runs `fn`, always cleans up. */
export async function withEnv<T>(label: string, fn: (env: BenchEnv) => Promise<T>, options: AttuneOptionsInput = {}): Promise<T> {
  const env = await BenchEnv.open(label, options);
  try {
    return await fn(env);
  } finally {
    await env.close();
  }
}
