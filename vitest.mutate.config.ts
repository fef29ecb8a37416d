/**
 * The tests `npm run mutate` runs against each mutant (stryker.config.json): the unit tests of the
 * mutated modules (no I/O: hundreds of mutants finish in minutes on two cores). MUTATE_IO=1 adds the
 * integration tests that cover the I/O modules, for a run such as
 * `MUTATE_IO=1 npm run mutate -- --mutate src/db/execution-store.ts` (slow: a schema per mutant).
 */
import { defineConfig } from 'vitest/config';

const unit = [
  'test/unit/consumer-machine.test.ts',
  'test/unit/execution-lifecycle.test.ts',
  'test/unit/report-folding.test.ts',
  'test/unit/criteria.test.ts',
  'test/unit/webhook-auth.test.ts',
  'test/unit/retry-plan.test.ts',
  'test/unit/worker-selection.test.ts',
  'test/unit/mutation-holes.test.ts',
];
const io = ['test/integration/consumer.test.ts', 'test/integration/execution-store.test.ts'];

export default defineConfig({
  test: {
    include: process.env.MUTATE_IO === '1' ? [...unit, ...io] : unit,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
  },
});
