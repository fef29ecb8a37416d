/**
 * The retention sweep, run inside each manager: every `retention.everyMs`, finished executions
 * older than `retention.maxAgeMs`, their enforcements and events go, then the trigger instances
 * nothing uses any more (`db/retention.ts`: small batches, one process at a time by an advisory lock).
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../context.ts';
import { collectGarbage } from '../db/retention.ts';
import type { Sql } from '../db/sql.ts';
import { startPeriodic, type Periodic } from '../periodic.ts';

export function startRetention(ctx: AttuneContext, sql: Sql, log: Logger): Periodic {
  const { maxAgeMs, everyMs, batchSize } = ctx.config.retention;
  return startPeriodic(
    everyMs,
    async () => {
      const r = await collectGarbage(sql, { olderThanMs: maxAgeMs, batchSize });
      if (r.executions + r.enforcements + r.events + r.triggerInstances > 0) log.info({ ...r, maxAgeMs }, 'retention: old finished rows deleted');
    },
    (err) => log.warn({ err: err.message }, 'retention sweep failed; next period tries again'),
  );
}
