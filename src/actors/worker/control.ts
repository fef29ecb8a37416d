/**
 * The worker's control stream `worker.<id>.control`: cancel requests for the executions it runs.
 * No consumer group: only this worker reads it, with plain blocking `XREAD` on its own connection,
 * from the start (a fresh worker id has an empty stream); the stream is deleted when it stops.
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../../context.ts';
import { toError } from '../../errors.ts';
import { decode } from '../../streams/codec.ts';
import type { WorkerControl } from '../../streams/messages.ts';
import { createBlockingRedis } from '../../streams/redis.ts';

type XReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

export interface ControlReader {
  stop(): Promise<void>;
}

export function readControl(ctx: AttuneContext, workerId: string, log: Logger, onMessage: (m: WorkerControl) => void): ControlReader {
  const def = ctx.catalog.workerControl(workerId);
  const conn = createBlockingRedis(ctx.redisUrl, `attune:worker-control:${workerId}`);
  let stopped = false;
  let lastId = '0';

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        const reply: XReadReply = await conn.xread('COUNT', 100, 'BLOCK', 1000, 'STREAMS', def.key, lastId);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const d = decode(def, fields, ctx.config.consumer.maxPayloadBytes);
            if (d.ok) onMessage(d.message.payload);
            else log.warn({ entryId: id, error: d.error }, 'unreadable control message ignored');
          }
        }
      } catch (err) {
        if (stopped) return;
        log.warn({ err: toError(err).message }, 'reading the control stream failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  const running = loop();
  return {
    async stop() {
      stopped = true;
      conn.disconnect();
      await running;
      await ctx.redis.del(def.key).catch(() => 0);
    },
  };
}
