/**
 * The dead stream, for operators (`attune dlq`): list dead letters, replay them (the original entry
 * fields go back on their origin stream, and the dead entry is removed, in one MULTI), or drop them.
 */
import type { AttuneContext } from '../context.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { fieldsToObject } from './codec.ts';
import { deadLetter, type DeadLetter } from './messages.ts';

export interface DeadEntry extends DeadLetter {
  /** The entry id on the dead stream: what `replay` and `drop` take. */
  id: string;
  at: string;
}

type RawEntry = [id: string, fields: string[]];

function parse(entry: RawEntry): DeadEntry {
  const [id, raw] = entry;
  const f = fieldsToObject(raw);
  let json: unknown = null;
  try {
    json = JSON.parse(f.payload ?? 'null');
  } catch {
    json = null;
  }
  const parsed = deadLetter.safeParse(json);
  if (parsed.success) return { id, at: f.at ?? '', ...parsed.data };
  // Written by hand or by an older version: show what there is.
  return {
    id,
    at: f.at ?? '',
    origin: f.origin ?? '?',
    originType: '?',
    originId: '?',
    group: '?',
    consumer: '?',
    error: f.error ?? `unreadable dead entry: ${f.payload ?? '(no payload)'}`,
    deliveries: 0,
    fields: {},
  };
}

export async function listDead(ctx: AttuneContext, limit = 1000): Promise<DeadEntry[]> {
  const entries = (await ctx.redis.xrange(ctx.catalog.dead.key, '-', '+', 'COUNT', limit)) as RawEntry[];
  return entries.map(parse);
}

async function select(ctx: AttuneContext, ids: readonly string[] | 'all'): Promise<DeadEntry[]> {
  if (ids === 'all') return listDead(ctx, 1_000_000);
  const out: DeadEntry[] = [];
  for (const id of ids) {
    if (!/^\d+-\d+$/.test(id)) throw new ValidationError(`"${id}" is not a dead entry id (like 1718000000000-0); see \`attune dlq list\``);
    const [entry] = (await ctx.redis.xrange(ctx.catalog.dead.key, id, id)) as RawEntry[];
    if (!entry) throw new NotFoundError(`no dead entry ${id} in ${ctx.catalog.dead.key}`);
    out.push(parse(entry));
  }
  return out;
}

/** Puts each entry's original fields back on its origin stream and removes it from the dead stream. */
export async function replayDead(ctx: AttuneContext, ids: readonly string[] | 'all'): Promise<{ id: string; origin: string; newId: string }[]> {
  const entries = await select(ctx, ids);
  const prefix = ctx.keys.prefix;
  const out: { id: string; origin: string; newId: string }[] = [];
  for (const e of entries) {
    const fields = Object.entries(e.fields).flat();
    if (!e.origin.startsWith(prefix) || e.origin === ctx.catalog.dead.key) {
      throw new ValidationError(`dead entry ${e.id} names origin "${e.origin}", not a stream of namespace ${ctx.config.namespace}`);
    }
    if (fields.length === 0) throw new ValidationError(`dead entry ${e.id} has no original fields to replay; drop it instead`);
    const res = await ctx.redis.multi().xadd(e.origin, 'MAXLEN', '~', ctx.config.streamMaxLen, '*', ...fields).xdel(ctx.catalog.dead.key, e.id).exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw new Error(`replaying dead entry ${e.id} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    out.push({ id: e.id, origin: e.origin, newId: String(res[0]?.[1]) });
  }
  return out;
}

/** Deletes dead entries; returns how many were removed. */
export async function dropDead(ctx: AttuneContext, ids: readonly string[] | 'all'): Promise<number> {
  const entries = await select(ctx, ids);
  if (entries.length === 0) return 0;
  let removed = 0;
  for (let i = 0; i < entries.length; i += 1000) {
    removed += await ctx.redis.xdel(ctx.catalog.dead.key, ...entries.slice(i, i + 1000).map((e) => e.id));
  }
  return removed;
}
