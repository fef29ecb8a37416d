/** The `attune` command. Reads REDIS_URL, DATABASE_URL, ATTUNE_NAMESPACE (see docs/configuration.md). */
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { actorNames, createAttune, type ActorName, type Attune } from '../attune.ts';
import { executionStatuses, type ExecutionStatus } from '../streams/messages.ts';
import { toError } from '../errors.ts';
import { executionLine, table } from './format.ts';

const corePack = fileURLToPath(new URL('../../packs/core', import.meta.url));

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
function actorList(value: string): ActorName[] {
  const out = list(value);
  for (const a of out) if (!(actorNames as readonly string[]).includes(a)) throw new InvalidArgumentError(`unknown actor "${a}" (known: ${actorNames.join(', ')})`);
  return out as ActorName[];
}
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}
function status(value: string): ExecutionStatus {
  if (!(executionStatuses as readonly string[]).includes(value)) throw new InvalidArgumentError(`unknown status "${value}" (known: ${executionStatuses.join(', ')})`);
  return value as ExecutionStatus;
}

/** Opens Attune, runs `fn`, closes; errors become one clear line and exit code 1. */
async function withAttune(fn: (a: Attune) => Promise<void>, logLevel = 'warn'): Promise<void> {
  const attune = await createAttune({ logLevel: (process.env.ATTUNE_LOG_LEVEL ?? logLevel) as 'warn' });
  try {
    await fn(attune);
  } finally {
    await attune.stop();
  }
}

/** Runs until SIGINT/SIGTERM, then drains. */
function untilSignal(attune: Attune): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        attune.log.warn('second signal: exiting without draining');
        process.exit(130);
      }
      stopping = true;
      attune.log.info({ signal: sig }, 'stopping: draining in-flight work');
      resolve();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}

const program = new Command('attune').description('Attune for Node: event-driven automation on Redis Streams and PostgreSQL').showHelpAfterError();

program
  .command('up')
  .description('run actors in this process until SIGINT/SIGTERM, then drain')
  .addOption(new Option('--actors <list>', `comma-separated: ${actorNames.join(',')}`).argParser(actorList))
  .addOption(new Option('--runtimes <list>', 'runtimes this worker offers').argParser(list))
  .addOption(new Option('--concurrency <n>', 'worker concurrency').argParser(positiveInt))
  .option('--migrate', 'apply database migrations first')
  .action(async (o: { actors?: ActorName[]; runtimes?: string[]; concurrency?: number; migrate?: boolean }) => {
    await withAttune(async (attune) => {
      if (o.migrate) await attune.migrate();
      const started = await attune.start({ actors: o.actors, runtimes: o.runtimes, concurrency: o.concurrency });
      attune.log.info({ actors: started.map((a) => a.name), namespace: attune.config.namespace }, 'attune is up');
      await untilSignal(attune);
    }, 'info');
  });

program
  .command('demo')
  .description('migrate, load the core pack, run every actor and print each execution as it finishes (npm start)')
  .action(async () => {
    await withAttune(async (attune) => {
      await attune.migrate();
      const loaded = await attune.packs.load(corePack);
      await attune.start();
      console.log(`attune: core pack loaded (${loaded.rules} rule, ${loaded.actions} actions); rule core.hello_world_timer fires every 2 s. Ctrl-C to stop.`);
      const [last] = await attune.sql<{ max: number | null }[]>`select max(id) as max from execution`;
      let seen = last?.max ?? 0;
      const stopped = untilSignal(attune);
      let done = false;
      void stopped.then(() => (done = true));
      while (!done) {
        const finished = await attune.sql<{ id: number }[]>`select id from execution where id > ${seen} and finished_at is not null order by id`;
        for (const { id } of finished) {
          const e = await attune.executions.get(id);
          if (e) console.log(executionLine(e));
          seen = Math.max(seen, id);
        }
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 250))]);
      }
    });
  });

program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    await withAttune(async (attune) => {
      const r = await attune.migrate();
      console.log(r.applied.length > 0 ? `applied ${r.applied.join(', ')}` : `schema is up to date (version ${r.current})`);
    });
  });

const pack = program.command('pack').description('packs');
pack
  .command('load <dir>')
  .description('load (or reload) a pack folder: pack.yaml, actions/, triggers/, rules/')
  .action(async (dir: string) => {
    await withAttune(async (attune) => {
      const r = await attune.packs.load(dir);
      console.log(`loaded pack ${r.pack}: ${r.triggers} triggers, ${r.actions} actions, ${r.rules} rules`);
    });
  });

program
  .command('emit <triggerRef> [payload]')
  .description("emit an event of a trigger, payload as a JSON object (default '{}')")
  .option('--dedupe-key <key>', 'events with the same key are stored once')
  .action(async (triggerRef: string, payloadText: string | undefined, o: { dedupeKey?: string }) => {
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText ?? '{}');
    } catch (err) {
      throw new InvalidArgumentError(`payload is not valid JSON: ${toError(err).message}`);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new InvalidArgumentError('payload must be a JSON object');
    await withAttune(async (attune) => {
      const r = await attune.emit(triggerRef, payload as Record<string, unknown>, { dedupeKey: o.dedupeKey });
      console.log(JSON.stringify(r));
    });
  });

const execution = program.command('execution').description('executions');
execution
  .command('list')
  .description('most recent executions first')
  .addOption(new Option('--status <status>').argParser(status))
  .option('--action <ref>')
  .addOption(new Option('--limit <n>').argParser(positiveInt).default(20))
  .option('--json', 'print JSON')
  .action(async (o: { status?: ExecutionStatus; action?: string; limit: number; json?: boolean }) => {
    await withAttune(async (attune) => {
      const rows = await attune.executions.list({ status: o.status, action: o.action, limit: o.limit });
      if (o.json) console.log(JSON.stringify(rows, null, 2));
      else console.log(table(rows as unknown as Record<string, unknown>[], ['id', 'action_ref', 'status', 'requested_at', 'finished_at', 'status_reason']));
    });
  });
execution
  .command('get <id>')
  .description('one execution, with its result')
  .option('--json', 'print JSON')
  .action(async (idText: string, o: { json?: boolean }) => {
    const id = positiveInt(idText);
    await withAttune(async (attune) => {
      const e = await attune.executions.get(id);
      if (!e) throw new Error(`execution ${id} does not exist`);
      if (o.json) console.log(JSON.stringify(e, null, 2));
      else {
        for (const [k, v] of Object.entries(e)) {
          if (v === null) continue;
          console.log(`${k.padEnd(15)} ${v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
        }
      }
    });
  });

program
  .command('streams')
  .description('each stream with its length, groups, consumers, pending and lag')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    await withAttune(async (attune) => {
      const stats = await attune.streams();
      if (o.json) {
        console.log(JSON.stringify(stats, null, 2));
        return;
      }
      const rows = stats.flatMap((s): Record<string, unknown>[] =>
        s.groups.length === 0
          ? [{ stream: s.stream, length: s.length, group: '-', consumers: '', pending: '', lag: '' }]
          : s.groups.map((g) => ({ stream: s.stream, length: s.length, group: g.name, consumers: g.consumers, pending: g.pending, lag: g.lag ?? '?' })),
      );
      console.log(table(rows, ['stream', 'length', 'group', 'consumers', 'pending', 'lag']));
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`attune: ${toError(err).message}`);
  process.exitCode = 1;
}
