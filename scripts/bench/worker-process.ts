/**
 * A bench child process: Attune actors in their own process, with the bench's in-process no-op
 * handler registered (a separate `attune up` process could not see a handler of the bench process).
 * Usage: tsx scripts/bench/worker-process.ts --actors worker --runtimes node --concurrency 64
 * Namespace and schema come from ATTUNE_NAMESPACE / ATTUNE_DB_SCHEMA. Prints `ready` once started;
 * drains and exits on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { actorNames, createAttune, type ActorName } from '../../src/attune.ts';
import { NOOP_ACTION } from './bench-pack.ts';

const { values } = parseArgs({
  options: {
    actors: { type: 'string', default: 'worker' },
    runtimes: { type: 'string' },
    concurrency: { type: 'string' },
  },
});
const actors = values.actors.split(',').filter(Boolean);
for (const a of actors) if (!(actorNames as readonly string[]).includes(a)) throw new Error(`unknown actor "${a}" (known: ${actorNames.join(', ')})`);

const attune = await createAttune({ logLevel: (process.env.ATTUNE_LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
attune.actions.handle(NOOP_ACTION, async () => ({ ok: true }));
await attune.start({
  actors: actors as ActorName[],
  runtimes: values.runtimes?.split(','),
  concurrency: values.concurrency ? Number(values.concurrency) : undefined,
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  attune
    .stop()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
});
