/**
 * Emitting an event: checks the trigger ref (it must be stored), the payload's shape (storable,
 * not too deep) and the payload against the trigger's schema, then publishes `event.created`.
 */
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

export async function emitEvent(
  ctx: AttuneContext,
  checker: PayloadChecker,
  triggerRef: string,
  payload: Record<string, unknown>,
  o: EmitOptions = {},
): Promise<{ eventId: string; trace: string }> {
  if (!/^[^.\s]+\.[^\s]+$/.test(triggerRef)) throw new ValidationError(`trigger ref must look like "<pack>.<name>", got "${triggerRef}"`);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ValidationError('event payload must be a JSON object');
  checkPayloadShape(payload);
  await checker.check(triggerRef, payload);
  const eventId = newId();
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
