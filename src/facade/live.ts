/**
 * Live views for the facade: an execution's output as it is produced (`executions.watch`), and the
 * feed of execution status changes (`executions.changes`, Postgres NOTIFY from migration 0041).
 */
import type { Sql } from '../db/sql.ts';
import { getExecution } from '../db/executions-repo.ts';
import { isTerminal, type ExecutionStatus } from '../domain/execution-lifecycle.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { KeyCatalog } from '../streams/catalog.ts';
import { fieldsToObject } from '../streams/codec.ts';
import { createRedis } from '../streams/redis.ts';

export interface OutputLine {
  /** The entry id on the output stream: resume after it with `watch(id, { after })`. */
  id: string;
  fd: 'stdout' | 'stderr';
  data: string;
}

export interface WatchOptions {
  /** Resume after this output entry id (default: from the start). */
  after?: string;
  signal?: AbortSignal;
  /** How long one XREAD blocks (default 1000 ms). */
  blockMs?: number;
}

export interface ExecutionChange {
  id: number;
  status: ExecutionStatus;
  action: string;
  trace: string;
  parent: number | null;
  worker: string | null;
  queueMs: number | null;
  durationMs: number | null;
}

export const changesChannel = (schema: string) => `attune_exec_${schema}`;

type XReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/** Whether no more entries will come: the stream is gone, or its newest entry is the `end`. */
async function endWritten(redis: ReturnType<typeof createRedis>, key: string): Promise<boolean> {
  const [newest] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return !newest || fieldsToObject(newest[1]).fd === 'end';
}

/** Yields the output lines of an execution until its `end` entry (or its end, when it wrote none). */
export async function* watchOutput(sql: Sql, redisUrl: string, keys: KeyCatalog, executionId: number, o: WatchOptions = {}): AsyncGenerator<OutputLine> {
  if (!(await getExecution(sql, executionId))) throw new NotFoundError(`execution ${executionId} does not exist`);
  if (o.after !== undefined && !/^\d+-\d+$/.test(o.after)) throw new ValidationError(`after: "${o.after}" is not an output entry id (like 1718000000000-0)`);
  const key = keys.executionLiveOutput(executionId);
  const redis = createRedis(redisUrl, 'attune:watch');
  const stop = () => redis.disconnect();
  o.signal?.addEventListener('abort', stop, { once: true });
  let last = o.after ?? '0';
  try {
    while (!o.signal?.aborted) {
      const reply: XReadReply = await redis.xread('COUNT', 500, 'BLOCK', o.blockMs ?? 1000, 'STREAMS', key, last).catch(() => null);
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, raw] of entries) {
        last = id;
        const f = fieldsToObject(raw);
        if (f.fd === 'end') return;
        if (f.fd === 'stdout' || f.fd === 'stderr') yield { id, fd: f.fd, data: f.data ?? '' };
      }
      if (entries.length === 0) {
        // No `end` entry will come for an execution that ended without output (or whose stream expired);
        // nor after `last` when the stream's newest entry is its `end` (a resume from it, or past it).
        const row = await getExecution(sql, executionId);
        if (!row || (isTerminal(row.status) && (await endWritten(redis, key)))) return;
      }
    }
  } finally {
    o.signal?.removeEventListener('abort', stop);
    redis.disconnect();
  }
}

/** Calls `listener` on every status change of an execution; resolves to an unsubscribe function. */
export async function listenChanges(sql: Sql, schema: string, listener: (c: ExecutionChange) => void): Promise<() => Promise<void>> {
  const sub = await sql.listen(changesChannel(schema), (payload) => {
    try {
      listener(JSON.parse(payload) as ExecutionChange);
    } catch {
      // a payload that is not JSON is not ours
    }
  });
  return () => sub.unlisten();
}
