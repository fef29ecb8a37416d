/** `attune workers [--json]`: the registry, with liveness and load. */
import type { Command } from 'commander';
import { withAttune } from '../shared.ts';
import { table } from '../format.ts';

export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description('registered workers: runtimes, liveness (heartbeat age) and load (running/concurrency)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withAttune(async (attune) => {
        const workers = await attune.workers();
        if (o.json) {
          console.log(JSON.stringify(workers, null, 2));
          return;
        }
        if (workers.length === 0) {
          console.log('no workers registered');
          return;
        }
        const rows = workers.map((w) => ({
          id: w.id,
          state: w.live ? 'live' : 'dead',
          heartbeat: `${(w.silentMs / 1000).toFixed(1)} s ago`,
          load: `${w.running}/${w.concurrency}`,
          runtimes: w.runtimes.join(','),
          host: `${w.host}:${w.pid}`,
          version: w.version,
        }));
        console.log(table(rows, ['id', 'state', 'heartbeat', 'load', 'runtimes', 'host', 'version']));
      });
    });
}
