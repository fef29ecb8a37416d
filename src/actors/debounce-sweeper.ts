/**
 * Debounce sweeper (runs inside each enforcer): fires the debounce windows whose time came (every
 * `policies.pollMs`): the window's last event gets its execution, which is offered to the
 * scheduler. The window is a row, so one open when every process dies fires after a restart; the
 * delete under `skip locked` makes it fire once, however many enforcers sweep. A publish lost after
 * the commit is covered by the reconciler (`requested` untouched for `staleMs`).
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../context.ts';
import { fireDueDebounces } from '../db/execution-store-flow.ts';
import type { Sql } from '../db/sql.ts';
import { toError } from '../errors.ts';

const BATCH = 500;

export function startDebounceSweeper(ctx: AttuneContext, sql: Sql, log: Logger): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = (async () => {
      const fired = await fireDueDebounces(sql, BATCH);
      if (fired.length === 0) return;
      await ctx.publisher.publishMany(fired.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })));
      log.info({ executions: fired.map((e) => e.id) }, 'debounce windows fired');
    })()
      .catch((err: unknown) => log.warn({ err: toError(err).message }, 'debounce sweep failed; will retry'))
      .finally(() => {
        running = null;
      });
  }, ctx.config.policies.pollMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
