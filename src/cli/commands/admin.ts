/** `attune migrate`, `attune pack load`, `attune gc`, `attune streams`. */
import { type Command } from 'commander';
import { withAttune } from '../shared.ts';
import { table } from '../format.ts';

export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      await withAttune(async (attune) => {
        const r = await attune.migrate();
        console.log(r.applied.length > 0 ? `applied ${r.applied.join(', ')}` : `schema is up to date (version ${r.current})`);
        if (r.sealed > 0) console.log(`sealed the credentials of ${r.sealed} webhook trigger instance${r.sealed === 1 ? '' : 's'}`);
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
    .command('gc')
    .description(
      'delete finished executions older than retention.maxAgeMs (ATTUNE_RETENTION_DAYS, default 30 days), their enforcements and events, and trigger instances nothing uses any more',
    )
    .option('--dry-run', 'only count what would be deleted')
    .action(async (o: { dryRun?: boolean }) => {
      await withAttune(async (attune) => {
        const r = await attune.gc({ dryRun: o.dryRun });
        if (!r.ran) console.log('another process is collecting now; nothing done');
        else
          console.log(
            `${o.dryRun ? 'would delete' : 'deleted'} ${r.executions} executions, ${r.enforcements} enforcements, ${r.events} events, ${r.triggerInstances} trigger instances`,
          );
      });
    });

  program
    .command('streams')
    .description('each stream with its length, cap, groups, consumers, pending and lag')
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
            ? [{ stream: s.stream, length: s.length, max: s.maxLen, group: '-', consumers: '', pending: '', lag: '' }]
            : s.groups.map((g) => ({
                stream: s.stream,
                length: s.length,
                max: s.maxLen,
                group: g.name,
                consumers: g.consumers,
                pending: g.pending,
                lag: g.lag ?? '?',
              })),
        );
        console.log(table(rows, ['stream', 'length', 'max', 'group', 'consumers', 'pending', 'lag']));
      });
    });
}
