/**
 * Emitting an event: checks the trigger ref (it must be stored), the payload's shape (storable,
 * not too deep) and the payload against the trigger's schema, then publishes `event.created`.
 * With a dedupe key the event id is derived from the key, so every emit of one key names the one
 * event that is stored; a key already stored is not published again and the answer says
 * `duplicate: true`.
 */
import { createHash } from 'node:crypto';
import type { AttuneContext } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { newId } from '../streams/codec.ts';
import type { PayloadChecker } from './payload-check.ts';
import { checkPayloadShape } from './payload-shape.ts';

export interface EmitOptions {
  dedupeKey?: string;
  trace?: string;
  triggerInstanceId?: number;
}

export interface EmitResult {
  /** The stored event's id (with a dedupe key: the one event of that key). */
  eventId: string;
  trace: string;
  /** True when an event with this dedupe key was already stored: nothing was published. */
  duplicate?: boolean;
}

/** A name-based UUID (version 5 layout, SHA-1) of the dedupe key: the same key, the same event id. */
export function dedupeEventId(key: string): string {
  const h = createHash('sha1').update(`attune.event.dedupe\0${key}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export async function emitEvent(
  ctx: AttuneContext,
  checker: PayloadChecker,
  triggerRef: string,
  payload: Record<string, unknown>,
  o: EmitOptions = {},
): Promise<EmitResult> {
  if (!/^[^.\s]+\.[^\s]+$/.test(triggerRef)) throw new ValidationError(`trigger ref must look like "<pack>.<name>", got "${triggerRef}"`);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ValidationError('event payload must be a JSON object');
  checkPayloadShape(payload);
  await checker.check(triggerRef, payload);
  if (o.dedupeKey !== undefined && ctx.sql) {
    const [stored] = await ctx.sql<{ id: string; trace: string }[]>`select id, trace from event where dedupe_key = ${o.dedupeKey}`;
    if (stored) return { eventId: stored.id, trace: stored.trace, duplicate: true };
  }
  const eventId = o.dedupeKey === undefined ? newId() : dedupeEventId(o.dedupeKey);
  const trace = o.trace ?? newId();
  await ctx.publisher.publish(
    ctx.catalog.eventCreated,
    {
      eventId,
      trigger: triggerRef,
      triggerInstanceId: o.triggerInstanceId ?? null,
      payload,
      dedupeKey: o.dedupeKey ?? null,
      occurredAt: new Date().toISOString(),
    },
    { trace },
  );
  return { eventId, trace };
}
