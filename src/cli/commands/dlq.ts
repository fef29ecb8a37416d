/** `attune dlq list|replay|drop`: the dead stream, for operators. */
import { InvalidArgumentError, type Command } from 'commander';
import { positiveInt, withAttune } from '../shared.ts';
import { table } from '../format.ts';

function target(ids: string[], o: { all?: boolean }): string[] | 'all' {
  if (o.all && ids.length > 0) throw new InvalidArgumentError('give dead entry ids or --all, not both');
  if (o.all) return 'all';
  if (ids.length === 0) throw new InvalidArgumentError('give one or more dead entry ids (see `attune dlq list`) or --all');
  return ids;
}

export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: messages that could not be handled');
  dlq
    .command('list')
    .description('dead letters, oldest first, with origin stream, deliveries and error')
    .option('--limit <n>', 'at most this many', positiveInt, 1000)
    .option('--json', 'print JSON (each with origin and the original entry fields)')
    .action(async (o: { limit: number; json?: boolean }) => {
      await withAttune(async (attune) => {
        const dead = await attune.dlq.list(o.limit);
        if (o.json) console.log(JSON.stringify(dead, null, 2));
        else
          console.log(
            table(
              dead.map((d) => ({ ...d, error: d.error.length > 120 ? `${d.error.slice(0, 117)}...` : d.error })),
              ['id', 'at', 'origin', 'deliveries', 'error'],
            ),
          );
      });
    });
  dlq
    .command('replay [ids...]')
    .description('put the original entries back on their origin streams, and remove them from dead')
    .option('--all', 'every dead letter')
    .action(async (ids: string[], o: { all?: boolean }) => {
      const which = target(ids, o);
      await withAttune(async (attune) => {
        const done = await attune.dlq.replay(which);
        for (const r of done) console.log(`replayed ${r.id} → ${r.origin} ${r.newId}`);
        console.log(`${done.length} replayed`);
      });
    });
  dlq
    .command('drop [ids...]')
    .description('delete dead letters')
    .option('--all', 'every dead letter')
    .action(async (ids: string[], o: { all?: boolean }) => {
      const which = target(ids, o);
      await withAttune(async (attune) => {
        console.log(`${await attune.dlq.drop(which)} dropped`);
      });
    });
}
