/**
 * The retention sweep, run inside each manager: every `retention.everyMs`, finished executions
 * older than `retention.maxAgeMs`, their enforcements and events go (`db/retention.ts`: small
 * batches, one process at a time by an advisory lock).
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../context.ts';
import { collectGarbage } from '../db/retention.ts';
import type { Sql } from '../db/sql.ts';
import { toError } from '../errors.ts';

export function startRetention(ctx: AttuneContext, sql: Sql, log: Logger): { stop(): Promise<void> } {
  const { maxAgeMs, everyMs, batchSize } = ctx.config.retention;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  const sweep = async () => {
    try {
      const r = await collectGarbage(sql, { olderThanMs: maxAgeMs, batchSize });
      if (r.executions + r.enforcements + r.events > 0) log.info({ ...r, maxAgeMs }, 'retention: old finished rows deleted');
    } catch (err) {
      log.warn({ err: toError(err).message }, 'retention sweep failed; next period tries again');
    }
  };
  const timer = setInterval(() => {
    if (!stopped) pass = pass.then(sweep);
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
