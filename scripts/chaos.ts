/**
 * Chaos: `npm run chaos -- --events N --seconds S [--workflows W] [--retention N]` (retention: see chaos/retention.ts).
 * Runs the actors as separate processes (2 enforcers, 2 schedulers, 2 workers, 1 manager, 2
 * workflow actors), emits N events over S seconds to a rule with a fast action and, among them, W
 * events to a rule that starts the `crashtest.flow` workflow (6 task runs each), SIGKILLs a random
 * actor process every few seconds and restarts it, restarts Redis and PostgreSQL once each, waits
 * until settled (see test/fixtures/settle.ts), and
 * prints a table. Exits non-zero on any missing or duplicated row (or action run).
 *
 * By default Redis (AOF on) and PostgreSQL are private instances started here, so restarting them
 * harms nobody. With --redis-url/--database-url it uses those, and restarts them only when
 * --restart-services is given AND they are private (it never restarts a shared service).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAttune, type Attune } from '../src/index.ts';
import { toError } from '../src/errors.ts';
import { quietWindowMs } from '../test/fixtures/settle.ts';
import { probe } from '../test/support.ts';
import { Fleet } from './chaos/fleet.ts';
import { formatReport, measure, totalDuplicates, totalMissing, type ChaosReport } from './chaos/report.ts';
import { chaosRetention, oldRowsLeft, seedOldRows } from './chaos/retention.ts';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './chaos/services.ts';

const packDir = fileURLToPath(new URL('./chaos/pack', import.meta.url));

const argsSchema = z.object({
  events: z.coerce.number().int().min(1).default(2000),
  workflows: z.coerce.number().int().min(0).optional(),
  seconds: z.coerce.number().positive().default(60),
  'kill-every': z.coerce.number().positive().default(3),
  settle: z.coerce.number().positive().default(180),
  'no-service-restarts': z.boolean().default(false),
  retention: z.coerce.number().int().min(0).default(0),
  quiet: z.boolean().default(false),
});

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    workflows: { type: 'string' },
    seconds: { type: 'string' },
    'kill-every': { type: 'string' },
    settle: { type: 'string' },
    'no-service-restarts': { type: 'boolean' },
    retention: { type: 'string' },
    quiet: { type: 'boolean' },
  },
});
const parsed = argsSchema.safeParse(values);
if (!parsed.success) {
  console.error(`chaos: ${z.prettifyError(parsed.error)}`);
  process.exit(2);
}
const args = parsed.data;
/** Default: one workflow per 20 events. */
const workflows = args.workflows ?? Math.ceil(args.events / 20);
const say = (msg: string) => args.quiet || console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}`);
/** A process that has not started its actors this long after its start is stuck (see Fleet.restartStuck). */
const READY_LIMIT_MS = 60_000;
async function restartStuck(f: Fleet): Promise<void> {
  for (const m of await f.restartStuck(READY_LIMIT_MS)) say(`${m.name} did not say ready within ${READY_LIMIT_MS / 1000} s; killed and started again`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: PrivateRedis | null = null;
let pg: PrivatePostgres | null = null;
let attune: Attune | null = null;
let fleet: Fleet | null = null;
let report: ChaosReport | null = null;

try {
  say('starting private Redis (AOF on) and PostgreSQL');
  [redis, pg] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
  const tag = randomBytes(3).toString('hex');
  const base = {
    redis: redis.url,
    database: pg.url,
    namespace: `chaos-${tag}`,
    schema: `chaos_${tag}`,
    consumer: { claimIdleMs: 3000, claimEveryMs: 500, blockMs: 1000 },
    workerLiveMs: 2000,
    worker: { heartbeatMs: 300, concurrency: 32 },
    reconciler: { staleMs: 60_000, everyMs: 2000 },
    ...(args.retention > 0 ? { retention: chaosRetention } : {}),
  };
  const a = await createAttune({ ...base, logLevel: 'error' });
  attune = a;
  await a.migrate();
  await a.packs.load(packDir);
  if (args.retention > 0) {
    await seedOldRows(probe(a).sql, args.retention, 'chaos.old');
    say(`seeded ${args.retention} finished executions (with their events) 40 days old: retention must delete them all`);
  }
  const marks = path.join(mkdtempSync(path.join(os.tmpdir(), 'attune-chaos-')), 'runs.txt');

  fleet = new Fleet(['enforcer', 'enforcer', 'scheduler', 'scheduler', 'worker', 'worker', 'manager', 'workflow', 'workflow'], base);
  fleet.startAll();
  say(`actors started (${fleet.members.length} processes); emitting ${args.events} events and ${workflows} that start workflows over ${args.seconds} s`);

  const total = args.events + workflows;
  const emitted: string[] = [];
  const started = Date.now();
  const durationMs = args.seconds * 1000;
  const emitting = (async () => {
    for (let i = 0; i < total; i++) {
      const due = started + (durationMs * i) / total;
      if (due > Date.now()) await sleep(due - Date.now());
      // Every (total / workflows)-th event starts a workflow, spread over the run.
      const flow = workflows > 0 && Math.floor(((i + 1) * workflows) / total) > Math.floor((i * workflows) / total);
      const key = `chaos:${i}`;
      for (let attempt = 1; ; attempt++) {
        try {
          // A retry after a lost reply may publish the event twice: the dedupe key stores it once.
          if (flow) await a.emit('crashtest.flow_go', { file: marks, n: i }, { dedupeKey: key });
          else await a.emit('crashtest.go', { file: marks, seconds: 0, n: i }, { dedupeKey: key });
          emitted.push(key);
          break;
        } catch (err) {
          if (attempt % 10 === 1) say(`emit ${i} failed (${toError(err).message}); retrying`);
          await sleep(200);
        }
      }
    }
  })();

  const faults = { kills: 0, redisRestarts: 0, postgresRestarts: 0 };
  const killing = (async () => {
    let redisDone = args['no-service-restarts'];
    let pgDone = args['no-service-restarts'];
    while (Date.now() - started < durationMs) {
      await sleep(args['kill-every'] * 1000);
      const elapsed = Date.now() - started;
      if (!redisDone && elapsed > durationMs / 3) {
        say('restarting Redis');
        await redis.restart(1000);
        redisDone = true;
        faults.redisRestarts++;
        continue;
      }
      if (!pgDone && elapsed > (2 * durationMs) / 3) {
        say('restarting PostgreSQL');
        await pg.restart(1000);
        pgDone = true;
        faults.postgresRestarts++;
        continue;
      }
      await restartStuck(fleet);
      const m = await fleet.killRandom(500);
      if (m) {
        faults.kills++;
        say(`SIGKILLed ${m.name}; restarted`);
      }
    }
  })();
  await Promise.all([emitting, killing]);
  say(`emission done (${total} events); waiting for quiescence`);

  // Settled: nothing unfinished, no backlog on any stream, and the same counts for longer than the
  // claim idle time + liveness window (a late claim, run or report would change them).
  const deadline = Date.now() + args.settle * 1000;
  const quietMs = quietWindowMs(a);
  let stableSince = 0;
  let stable = '';
  for (;;) {
    fleet.revive();
    await restartStuck(fleet);
    report = await measure(a, emitted, marks).catch(() => null);
    const oldLeft = args.retention > 0 ? await oldRowsLeft(probe(a).sql).catch(() => -1) : 0;
    const quiet = oldLeft === 0 && report && report.missing.unfinished === 0 && report.pending === 0 && report.stored === total && report.executions >= total;
    if (quiet && JSON.stringify(report) === stable) {
      if (Date.now() - stableSince > quietMs) break;
    } else {
      stableSince = Date.now();
      stable = quiet ? JSON.stringify(report) : '';
    }
    if (Date.now() > deadline) {
      say('quiescence not reached before the deadline');
      break;
    }
    await sleep(1000);
  }
  report = await measure(a, emitted, marks);
  const retentionLeft = args.retention > 0 ? await oldRowsLeft(probe(a).sql) : 0;
  const kills = fleet.members.map((m) => `${m.name} ${m.kills}`).join(', ');
  const crashes = fleet.members.reduce((n, m) => n + m.crashes, 0);
  console.log(
    `\n${formatReport(report, {
      'actor SIGKILLs': `${faults.kills} (${kills})`,
      'Redis restarts': faults.redisRestarts,
      'Postgres restarts': faults.postgresRestarts,
      'processes exited on their own': crashes,
      'processes restarted for not coming up in 60 s': fleet.members.reduce((n, m) => n + m.stuck, 0),
      ...(args.retention > 0 ? { 'old rows left by retention (must be 0)': `${retentionLeft} of ${args.retention * 3}` } : {}),
      elapsed: `${Math.round((Date.now() - started) / 1000)} s`,
    })}\n`,
  );
  if (totalMissing(report) > 0 || totalDuplicates(report) > 0 || crashes > 0 || retentionLeft > 0) {
    process.exitCode = 1;
    const stuck = await probe(a).sql`select id, status, worker_id, status_reason, updated_at from execution where finished_at is null order by id limit 10`;
    console.log(`unfinished (first 10): ${JSON.stringify(stuck)}`);
    console.log(`streams: ${JSON.stringify((await a.streams()).map((s) => ({ stream: s.stream, length: s.length, groups: s.groups })))}`);
    for (const m of fleet.members) if (m.tail.trim()) console.log(`--- ${m.name} (last output):\n${m.tail.trim()}`);
  }
} catch (err) {
  console.error(`chaos: ${toError(err).stack}`);
  process.exitCode = 1;
} finally {
  await fleet?.stopAll();
  await attune?.stop().catch(() => {});
  await Promise.all([redis?.stop(), pg?.stop()]);
}
