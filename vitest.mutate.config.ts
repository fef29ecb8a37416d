/**
 * The tests `npm run mutate` runs against each mutant (stryker.config.json): the ones that cover
 * the mutated modules, and nothing that spawns processes or starts actors (too slow per mutant):
 * the webhook's HTTP path and the manager's reports have their own integration tests.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/consumer-machine.test.ts',
      'test/integration/consumer.test.ts',
      'test/unit/execution-lifecycle.test.ts',
      'test/integration/execution-store.test.ts',
      'test/unit/criteria.test.ts',
      'test/unit/webhook-auth.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
  },
});
