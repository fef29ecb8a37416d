/**
 * A webhook delivery, whatever carried it: authenticate against the enabled `core.webhook` trigger
 * instances of that name (token or HMAC signature of the raw body; the credentials are stored
 * sealed and opened only here, triggers/trigger-secrets.ts) → the JSON body and the headers
 * (without credentials) become the payload, checked against the trigger's schema → one
 * `event.created` per matching instance. The HTTP server (src/http/) turns the outcome into a reply.
 */
import { secretKey } from '../actions/secrets.ts';
import type { AttuneContext } from '../context.ts';
import type { Sql } from '../db/sql.ts';
import { BackPressureError, MessageTooLargeError, toError, ValidationError } from '../errors.ts';
import { emitEvent } from './emit.ts';
import { openTriggerParameters } from './trigger-secrets.ts';
import { createPayloadChecker } from './payload-check.ts';
import { CREDENTIAL_HEADERS, authenticated, webhookParams } from './webhook-params.ts';

const TRIGGER = 'core.webhook';

export type WebhookOutcome =
  | { status: 202; eventId: string; eventIds: string[] }
  | { status: 400 | 401 | 404 | 413; error: string }
  /** Back-pressure: `event.created` is at its ceiling (the enforcers are behind); the events before it were accepted. */
  | { status: 503; error: string; stream: string; eventIds: string[] };

export interface WebhookDelivery {
  name: string;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  /** Trace id (from a W3C `traceparent`), else a new one per event. */
  trace?: string;
}

export function webhookReceiver(ctx: AttuneContext, sql: Sql) {
  const checker = createPayloadChecker(sql);
  return async function receive(d: WebhookDelivery): Promise<WebhookOutcome> {
    const rows = await sql<{ id: number; parameters: Record<string, unknown>; secrets: string | null }[]>`
      select ti.id, ti.parameters, ti.secrets from trigger_instance ti
      where ti.trigger_ref = ${TRIGGER} and ti.parameters->>'name' = ${d.name}
        and exists (select 1 from rule r where r.trigger_instance_id = ti.id and r.enabled)`;
    if (rows.length === 0) return { status: 404, error: `no enabled webhook "${d.name}"` };
    const key = rows.some((r) => r.secrets !== null) ? await secretKey(ctx) : null;
    const allowed = rows.filter((r) => {
      let params: Record<string, unknown>;
      try {
        params = key ? openTriggerParameters(key, r.parameters, r.secrets) : r.parameters;
      } catch (err) {
        // sealed under another key (ATTUNE_SECRET_KEY changed, or the generated one lost with Redis): it can verify nothing
        ctx.log.error({ webhook: d.name, triggerInstanceId: r.id, err: toError(err).message }, 'webhook credentials cannot be opened; save the rule again');
        return false;
      }
      const p = webhookParams.safeParse(params);
      return p.success && authenticated(p.data, d.headers, d.raw);
    });
    if (allowed.length === 0) {
      return { status: 401, error: 'missing or invalid credentials (X-Attune-Token, Authorization: Bearer, or X-Hub-Signature-256)' };
    }
    let body: unknown = {};
    if (d.raw.length > 0) {
      try {
        body = JSON.parse(d.raw.toString('utf8'));
      } catch (err) {
        return { status: 400, error: `body is not valid JSON: ${toError(err).message}` };
      }
    }
    const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k)));
    const eventIds: string[] = [];
    try {
      for (const inst of allowed) {
        eventIds.push((await emitEvent(ctx, checker, TRIGGER, { body, headers }, { triggerInstanceId: inst.id, trace: d.trace })).eventId);
      }
    } catch (err) {
      if (err instanceof ValidationError) return { status: 400, error: err.message };
      if (err instanceof MessageTooLargeError) return { status: 413, error: err.message };
      if (err instanceof BackPressureError) return { status: 503, error: err.message, stream: err.stream, eventIds };
      throw err;
    }
    return { status: 202, eventId: eventIds[0] ?? '', eventIds };
  };
}
export type WebhookReceiver = ReturnType<typeof webhookReceiver>;
