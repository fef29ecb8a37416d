/**
 * Runs in every test file: a file that leaves an Attune instance running (actors, connections,
 * timers), a probe's connections open, or any connection of its own to Redis or Postgres (a
 * consumer not stopped, a client not closed), fails.
 */
import { afterAll, expect } from 'vitest';
import { liveInstances } from './helpers.ts';
import { openProbes, openServiceConnections } from './support.ts';

afterAll(async () => {
  const leaked = [...liveInstances].map((a) => a.config.namespace);
  expect(leaked, 'Attune instances left running: call disposeAttune() in afterAll').toEqual([]);
  const probes = [...openProbes].map((p) => p.catalog.namespace);
  expect(probes, 'probes left open: stop their instance, or close() a probe opened with openProbe()').toEqual([]);
  // A disconnect closes its socket on the next turns of the event loop: give it a moment.
  const deadline = Date.now() + 3000;
  let open = openServiceConnections();
  while (open.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    open = openServiceConnections();
  }
  expect(open, 'Redis/Postgres connections left open: stop every consumer, disconnect every client, end every pool').toEqual([]);
});
