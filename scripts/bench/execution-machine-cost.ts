// `npm run bench:machine`: CPU per execution of the worker's execution machine with instant effects, next to the
// same awaits written by hand and the worker's launcher (its quick path keeps a quick run off the actor), alternating
// in one run. The machine's own cost on the worker's hot path.
import { createActor } from 'xstate';
import { createExecutionMachine } from '../../src/actors/worker/execution-machine.ts';
import { provideEffects } from '../../src/actors/worker/execution-effects.ts';
import { launchExecution } from '../../src/actors/worker/execution-run.ts';
import type { RunOutcome } from '../../src/runtimes/types.ts';
const out: RunOutcome = { status: 'succeeded', exitCode: null, stdout: '', stderr: '', result: {}, reason: null };
const effects = {
  run: async () => out,
  reportRunning: async () => {},
  reportOutcome: async () => {},
  reportSkipped: async () => {},
  ack: async () => {},
  confirmLost: async () => 'lost' as const,
  reportFailure: () => {},
};
const machine = provideEffects(createExecutionMachine<{ id: number }>(), effects);
async function viaLauncher(n: number) {
  await Promise.all(
    Array.from({ length: n }, (_, i) => launchExecution(machine, effects, { job: { id: i }, claim: { kind: 'won' }, deadlineMs: 60_000 }).done),
  );
}
async function viaMachine(n: number) {
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<void>((resolve) => {
          const a = createActor(machine, { input: { job: { id: i }, claim: { kind: 'won' }, deadlineMs: 60_000 } });
          a.subscribe({ complete: () => resolve() });
          a.start();
        }),
    ),
  );
}
async function byHand(n: number) {
  await Promise.all(
    Array.from({ length: n }, async () => {
      const abort = new AbortController();
      const t1 = setTimeout(() => {}, 100);
      const o = await (async () => (abort.signal.aborted ? out : out))();
      clearTimeout(t1);
      await (async () => o)();
      await (async () => {})();
    }),
  );
}
for (const round of [1, 2, 3, 4, 5, 6])
  for (const [name, fn] of [
    ['one-actor machine', viaMachine],
    ['launcher (quick path)', viaLauncher],
    ['by hand', byHand],
  ] as const) {
    const c0 = process.cpuUsage();
    await fn(2000);
    const c = process.cpuUsage(c0);
    if (round > 1) console.log(name, ((c.user + c.system) / 2000).toFixed(1), 'µs CPU per execution');
  }
