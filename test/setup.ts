/**
 * Runs in every test file: a file that leaves an Attune instance running (actors, connections,
 * timers), or a probe's connections open, fails.
 */
import { afterAll, expect } from 'vitest';
import { liveInstances } from './helpers.ts';
import { openProbes } from './support.ts';

afterAll(() => {
  const leaked = [...liveInstances].map((a) => a.config.namespace);
  expect(leaked, 'Attune instances left running: call disposeAttune() in afterAll').toEqual([]);
  const probes = [...openProbes].map((p) => p.catalog.namespace);
  expect(probes, 'probes left open: stop their instance, or close() a probe opened with openProbe()').toEqual([]);
});
