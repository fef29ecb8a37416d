/** Runs in every test file: a file that leaves an Attune instance running (actors, connections, timers) fails. */
import { afterAll, expect } from 'vitest';
import { liveInstances } from './helpers.ts';

afterAll(() => {
  const leaked = [...liveInstances].map((a) => a.config.namespace);
  expect(leaked, 'Attune instances left running: call disposeAttune() in afterAll').toEqual([]);
});
