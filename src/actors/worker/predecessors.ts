/**
 * Taking back a previous life's work at once. A worker process killed on this host left entries
 * pending under its consumer name (its worker id), which others would take only after
 * `claimIdleMs`, and then only after a liveness period. At start, a worker looks for registrations
 * of this host whose process is gone (`kill(pid, 0)` answers ESRCH): each is a predecessor, dead
 * for certain. Its pending entries of this worker's streams move to this worker (`XCLAIM … JUSTID`,
 * not a delivery), so the first read of the own pending list (`0`) gets them; their executions,
 * claimed by the predecessor, are a previous life's (abandoned, see `claims.ts`). Then its
 * registration, control stream and consumer (now holding nothing) are removed.
 * A process whose predecessor reused its pid (a container restarted with pid 1) is not recognised:
 * give such workers a stable `worker.id` per slot, whose own pending list is read first anyway.
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../../context.ts';
import { toError } from '../../errors.ts';
import { readRegistrations, removeRegistration } from '../../registry/worker-registry.ts';
import type { StreamDef } from '../../streams/catalog.ts';

const PAGE = 500;

/** Whether process `pid` of this host exists (EPERM: it does, under another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ids of registered workers of this host whose process is gone. */
export async function findPredecessors(ctx: AttuneContext, ownId: string): Promise<string[]> {
  const regs = await readRegistrations(ctx);
  return regs.filter((r) => r.id !== ownId && r.host === ctx.config.hostname && r.pid !== process.pid && !processExists(r.pid)).map((r) => r.id);
}

/** Moves every entry `from` holds on `def` to `to`; returns how many moved. */
async function moveEntries(ctx: AttuneContext, def: StreamDef, group: string, from: string, to: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const rows = (await ctx.redis.xpending(def.key, group, '-', '+', PAGE, from)) as [string, string, number, number][];
    if (rows.length === 0) return moved;
    await ctx.redis.xclaim(def.key, group, to, 0, ...rows.map((r) => r[0]), 'JUSTID');
    moved += rows.length;
  }
}

/** Takes over the pending entries of dead predecessors on this host; returns their ids. */
export async function takeOverPredecessors(ctx: AttuneContext, streams: readonly StreamDef[], group: string, ownId: string, log: Logger): Promise<string[]> {
  const gone = await findPredecessors(ctx, ownId);
  for (const id of gone) {
    let moved = 0;
    for (const def of streams) {
      try {
        moved += await moveEntries(ctx, def, group, id, ownId);
        await ctx.redis.forgetConsumer(def.key, group, id);
      } catch (err) {
        if (!/NOGROUP|no such key/i.test(toError(err).message)) throw err;
      }
    }
    await removeRegistration(ctx, id);
    await ctx.redis.del(ctx.catalog.workerControl(id).key);
    log.info({ predecessor: id, moved }, 'took over the pending entries of a dead worker of this host');
  }
  return gone;
}
