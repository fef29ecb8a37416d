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
import { startPeriodic, type Periodic } from '../periodic.ts';

const BATCH = 500;

export function startDebounceSweeper(ctx: AttuneContext, sql: Sql, log: Logger): Periodic {
  return startPeriodic(
    ctx.config.policies.pollMs,
    async () => {
      const fired = await fireDueDebounces(sql, BATCH);
      if (fired.length === 0) return;
      await ctx.publisher.publishMany(fired.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })));
      log.info({ executions: fired.map((e) => e.id) }, 'debounce windows fired');
    },
    (err) => log.warn({ err: err.message }, 'debounce sweep failed; will retry'),
  );
}
