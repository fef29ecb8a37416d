/** The actor processes of a chaos run: each actor in its own child process, killable and restartable. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./run-actors.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Member {
  name: string;
  actors: string;
  proc: ChildProcess | null;
  starts: number;
  kills: number;
  /** Unexpected exits (not killed by us): a process that exits on its own is a defect. */
  crashes: number;
  /** When the current process was started, and whether it said `ready` (its actors run). */
  startedAt: number;
  ready: boolean;
  /** Processes that did not say `ready` within the readiness limit and were killed and started again. */
  stuck: number;
  /** The last lines the current process wrote (its logs at `warn`, stdout and stderr): printed when a run fails. */
  tail: string;
}

export class Fleet {
  readonly members: Member[];
  private readonly env: NodeJS.ProcessEnv;
  private stopping = false;

  constructor(layout: readonly string[], options: Record<string, unknown>) {
    this.members = layout.map((actors, i) => ({
      name: `${actors}#${i}`,
      actors,
      proc: null,
      starts: 0,
      kills: 0,
      crashes: 0,
      tail: '',
      startedAt: 0,
      ready: false,
      stuck: 0,
    }));
    this.env = { ...process.env, ATTUNE_TEST_OPTIONS: JSON.stringify(options) };
  }

  start(m: Member): void {
    const proc = spawn(process.execPath, ['--import', 'tsx', runner, m.actors], { cwd: root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    m.tail = '';
    m.startedAt = Date.now();
    m.ready = false;
    for (const out of [proc.stdout, proc.stderr]) {
      out.on('data', (c: Buffer) => {
        const text = c.toString();
        m.tail = (m.tail + text).slice(-3000);
        if (out === proc.stdout && /^ready \d+$/m.test(text)) m.ready = true;
      });
    }
    proc.once('exit', (code, signal) => {
      if (m.proc === proc) m.proc = null;
      if (signal !== 'SIGKILL' && !this.stopping) {
        m.crashes++;
        process.stderr.write(`chaos: ${m.name} exited on its own (${code ?? signal}):\n${m.tail}\n`);
      }
    });
    m.proc = proc;
    m.starts++;
  }

  startAll(): void {
    for (const m of this.members) this.start(m);
  }

  /** SIGKILLs a random member; it is started again after `restartAfterMs`. */
  async killRandom(restartAfterMs: number, random: () => number = Math.random): Promise<Member | null> {
    const alive = this.members.filter((m) => m.proc);
    const m = alive[Math.floor(random() * alive.length)];
    if (!m?.proc) return null;
    const proc = m.proc;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    m.kills++;
    await gone;
    await new Promise((r) => setTimeout(r, restartAfterMs));
    if (!this.stopping) this.start(m);
    return m;
  }

  /**
   * A supervisor's readiness probe: a process that has not said `ready` within `limitMs` of its start
   * (seen once: a manager that never came up while Redis and Postgres restarted under a loaded
   * machine) is killed and started again, and counted in `stuck` (the report shows it).
   */
  async restartStuck(limitMs: number): Promise<Member[]> {
    const stuck = this.members.filter((m) => m.proc && !m.ready && Date.now() - m.startedAt > limitMs);
    for (const m of stuck) {
      const proc = m.proc as ChildProcess;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
      m.stuck++;
      if (!this.stopping) this.start(m);
    }
    return stuck;
  }

  /** Restarts members that exited on their own (so the run can still finish), counting them. */
  revive(): void {
    for (const m of this.members) if (!m.proc && !this.stopping) this.start(m);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.members.map(async (m) => {
        const p = m.proc;
        if (!p) return;
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(t);
      }),
    );
  }
}
