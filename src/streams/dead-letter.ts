/**
 * Moving one entry to the dead stream: origin, error, delivery count and the original fields,
 * added and acked atomically by `lua/dead-letter.lua`.
 */
import type { Logger } from 'pino';
import type { StreamDef } from './catalog.ts';
import { fieldsToObject, newId } from './codec.ts';
import type { DeadLetter } from './messages.ts';
import type { AttuneRedis } from './redis.ts';

/** Where one consumer's dead letters go, and who it is (recorded in each). */
export interface DeadLetterTarget {
  redis: AttuneRedis;
  dead: StreamDef;
  group: string;
  consumer: string;
  /** Approximate MAXLEN of the dead stream. */
  maxLen: number;
  log: Logger;
}

/** Moves one entry to the dead stream and acks it, atomically. */
export async function moveToDead(
  to: DeadLetterTarget,
  def: StreamDef,
  entryId: string,
  fields: string[] | null,
  error: string,
  deliveries: number,
): Promise<void> {
  const orig = fields ? fieldsToObject(fields) : {};
  const payload: DeadLetter = {
    origin: def.key,
    originType: def.type,
    originId: entryId,
    group: to.group,
    consumer: to.consumer,
    error,
    deliveries,
    fields: orig,
  };
  await to.redis.deadLetter(
    def.key,
    to.dead.key,
    to.group,
    entryId,
    to.maxLen,
    'type',
    to.dead.type,
    'id',
    newId(),
    'trace',
    orig.trace ?? newId(),
    'at',
    new Date().toISOString(),
    'origin',
    def.key,
    'error',
    error,
    'payload',
    JSON.stringify(payload),
  );
  to.log.warn({ stream: def.key, entryId, deliveries, error, trace: orig.trace }, 'message moved to the dead stream');
}
