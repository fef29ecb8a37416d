/**
 * The dead stream, for operators (`attune dlq`): list dead letters, replay them (the original entry
 * fields go back on their origin stream, and the dead entry is removed, in one MULTI), or drop them.
 */
import type { Redis } from 'ioredis';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { StreamCatalog } from './catalog.ts';
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

export interface ReplayedEntry {
  /** The dead entry id, now removed. */
  id: string;
  origin: string;
  /** The entry id of the copy put back on the origin stream. */
  newId: string;
}

/** Dead letters of one namespace: list, replay or drop them. */
export interface DeadLetters {
  /** Oldest first. */
  list(limit?: number): Promise<DeadEntry[]>;
  /** Puts each entry's original fields back on its origin stream and removes it from the dead stream. */
  replay(ids: readonly string[] | 'all'): Promise<ReplayedEntry[]>;
  /** Deletes dead entries; returns how many were removed. */
  drop(ids: readonly string[] | 'all'): Promise<number>;
}

/**
 * The dead stream of a catalog. Replayed entries go back untrimmed: an operator's replay is small,
 * and a cap could cut entries the group has not read.
 */
export function deadLetters(redis: Redis, catalog: StreamCatalog): DeadLetters {
  const dead = catalog.dead.key;

  async function list(limit = 1000): Promise<DeadEntry[]> {
    const entries = (await redis.xrange(dead, '-', '+', 'COUNT', limit)) as RawEntry[];
    return entries.map(parse);
  }

  async function select(ids: readonly string[] | 'all'): Promise<DeadEntry[]> {
    if (ids === 'all') return list(1_000_000);
    const out: DeadEntry[] = [];
    for (const id of ids) {
      if (!/^\d+-\d+$/.test(id)) throw new ValidationError(`"${id}" is not a dead entry id (like 1718000000000-0); see \`attune dlq list\``);
      const [entry] = (await redis.xrange(dead, id, id)) as RawEntry[];
      if (!entry) throw new NotFoundError(`no dead entry ${id} in ${dead}`);
      out.push(parse(entry));
    }
    return out;
  }

  return {
    list,

    async replay(ids) {
      const entries = await select(ids);
      const out: ReplayedEntry[] = [];
      for (const e of entries) {
        const fields = Object.entries(e.fields).flat();
        if (catalog.typeOf(e.origin) === null || e.origin === dead) {
          throw new ValidationError(`dead entry ${e.id} names origin "${e.origin}", not a stream of namespace ${catalog.namespace}`);
        }
        if (fields.length === 0) throw new ValidationError(`dead entry ${e.id} has no original fields to replay; drop it instead`);
        const res = await redis
          .multi()
          .xadd(e.origin, '*', ...fields)
          .xdel(dead, e.id)
          .exec();
        const failed = res?.find(([err]) => err);
        if (!res || failed) throw new Error(`replaying dead entry ${e.id} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
        out.push({ id: e.id, origin: e.origin, newId: String(res[0]?.[1]) });
      }
      return out;
    },

    async drop(ids) {
      const entries = await select(ids);
      if (entries.length === 0) return 0;
      let removed = 0;
      for (let i = 0; i < entries.length; i += 1000) {
        removed += await redis.xdel(dead, ...entries.slice(i, i + 1000).map((e) => e.id));
      }
      return removed;
    },
  };
}
