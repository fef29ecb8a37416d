/** `attune up` and `attune demo`: run actors in this process. */
import { Option, type Command } from 'commander';
import { actorNames } from '../../attune.ts';
import { toError } from '../../facade/schemas.ts';
import type { HttpServer } from '../../http/server.ts';
import { actorList, list, positiveInt, untilSignal, withAttune, type UpActor } from '../shared.ts';
import { executionLine } from '../format.ts';

export function registerRuntimeCommands(program: Command): void {
  program
    .command('up')
    .description('run actors in this process until SIGINT/SIGTERM, then drain')
    .addOption(new Option('--actors <list>', `comma-separated: ${actorNames.join(',')},http (webhook is the old name of http)`).argParser(actorList))
    .addOption(new Option('--runtimes <list>', 'runtimes this worker offers').argParser(list))
    .addOption(new Option('--concurrency <n>', 'worker concurrency').argParser(positiveInt))
    .option('--migrate', 'apply database migrations first')
    .action(async (o: { actors?: UpActor[]; runtimes?: string[]; concurrency?: number; migrate?: boolean }) => {
      const wantHttp = !o.actors || o.actors.includes('http');
      const actors = o.actors ? actorNames.filter((a) => o.actors?.includes(a)) : actorNames;
      await withAttune(
        async (attune) => {
          if (o.migrate) await attune.migrate();
          const started = await attune.start({ actors, runtimes: o.runtimes, concurrency: o.concurrency });
          // every actor by default; the HTTP server then only if its port is free (a replica may hold it)
          let http: HttpServer | null = null;
          if (wantHttp) {
            try {
              // Loaded here: fastify and prom-client cost every other command ~0.2 s of start-up.
              const { startHttpServer } = await import('../../http/server.ts');
              http = await startHttpServer(attune);
            } catch (err) {
              if (o.actors) throw err;
              attune.log.error({ err: toError(err).message, port: attune.config.webhook.port }, 'HTTP server not started (set ATTUNE_HTTP_PORT)');
            }
          }
          attune.log.info({ actors: started.map((a) => a.name), http: http?.url ?? null, namespace: attune.config.namespace }, 'attune is up');
          await untilSignal(attune);
          await http?.stop();
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
