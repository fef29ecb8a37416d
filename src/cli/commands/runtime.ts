/** `attune up` and `attune demo`: run actors in this process. */
import { Option, type Command } from 'commander';
import { actorNames, type ActorName } from '../../attune.ts';
import { actorList, list, positiveInt, untilSignal, withAttune } from '../shared.ts';
import { executionLine } from '../format.ts';

export function registerRuntimeCommands(program: Command): void {
  program
    .command('up')
    .description('run actors in this process until SIGINT/SIGTERM, then drain')
    .addOption(new Option('--actors <list>', `comma-separated: ${actorNames.join(',')}`).argParser(actorList))
    .addOption(new Option('--runtimes <list>', 'runtimes this worker offers').argParser(list))
    .addOption(new Option('--concurrency <n>', 'worker concurrency').argParser(positiveInt))
    .option('--migrate', 'apply database migrations first')
    .action(async (o: { actors?: ActorName[]; runtimes?: string[]; concurrency?: number; migrate?: boolean }) => {
      await withAttune(
        async (attune) => {
          if (o.migrate) await attune.migrate();
          // every actor by default; the webhook server then only if its port is free (a replica may hold it)
          const started = await attune.start({
            actors: o.actors ?? actorNames,
            bestEffort: o.actors ? [] : ['webhook'],
            runtimes: o.runtimes,
            concurrency: o.concurrency,
          });
          attune.log.info({ actors: started.map((a) => a.name), namespace: attune.config.namespace }, 'attune is up');
          await untilSignal(attune);
        },
        'info',
        o.actors?.every((a) => a === 'worker') && !o.migrate ? { database: false } : {},
      );
    });

  program
    .command('demo')
    .description('migrate, load the core pack, run every actor and print each execution as it finishes (npm start)')
    .action(async () => {
      await withAttune(async (attune) => {
        await attune.migrate();
        const loaded = await attune.packs.loadCore();
        await attune.start();
        console.log(`attune: core pack loaded (${loaded.rules} rule, ${loaded.actions} actions); rule core.hello_world_timer fires every 2 s. Ctrl-C to stop.`);
        const [latest] = await attune.executions.list({ limit: 1 });
        let seen = latest?.id ?? 0;
        const stopped = untilSignal(attune);
        let done = false;
        void stopped.then(() => (done = true));
        while (!done) {
          const recent = await attune.executions.list({ limit: 100 });
          const finished = recent.filter((e) => e.id > seen && e.finished_at !== null).sort((a, b) => a.id - b.id);
          for (const e of finished) {
            console.log(executionLine(e));
            seen = Math.max(seen, e.id);
          }
          await Promise.race([stopped, new Promise((r) => setTimeout(r, 250))]);
        }
      });
    });
}
