/**
 * The tests `npm run mutate` runs against each mutant (stryker.config.json): the ones that cover
 * the mutated modules, and nothing that spawns or kills processes (too slow per mutant).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/consumer-machine.test.ts',
      'test/integration/consumer.test.ts',
      'test/unit/execution-lifecycle.test.ts',
      'test/integration/execution-store.test.ts',
      'test/integration/manager-reports.test.ts',
      'test/unit/criteria.test.ts',
      'test/unit/webhook-auth.test.ts',
      'test/integration/webhook.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup.ts'],
  },
});
