/**
 * The webhook server (actor `webhook`): `POST /webhooks/<name>` → authenticate against the enabled
 * `core.webhook` trigger instances of that name (token or HMAC signature of the raw body) → the
 * JSON body and the headers (without credentials) become the payload, checked against the
 * trigger's schema → one `event.created` per matching instance → 202 with the event id.
 * 401 without valid credentials, 404 for an unknown name, 400 on invalid JSON or payload,
 * 413 over `webhook.bodyLimitBytes` (or a message over `maxPayloadBytes`), 503 with the reason when
 * `event.created` is at its ceiling (back-pressure: the enforcers are behind).
 */
import Fastify, { type FastifyError } from 'fastify';
import type { ActorHandle, AttuneContext } from '../context.ts';
import { requireSql } from '../context.ts';
import { BackPressureError, MessageTooLargeError, toError, ValidationError } from '../errors.ts';
import { emitEvent } from '../triggers/emit.ts';
import { createPayloadChecker } from '../triggers/payload-check.ts';
import { CREDENTIAL_HEADERS, authenticated, webhookParams } from '../triggers/webhook-params.ts';

const TRIGGER = 'core.webhook';

export async function startWebhookServer(ctx: AttuneContext, name: string): Promise<ActorHandle> {
  const sql = requireSql(ctx, 'the webhook server');
  const log = ctx.log.child({ actor: 'webhook', consumer: name });
  const checker = createPayloadChecker(sql);
  const { port, host, bodyLimitBytes } = ctx.config.webhook;
  const app = Fastify({ bodyLimit: bodyLimitBytes, logger: false });

  // Keep the raw bytes: the HMAC is over them, and invalid JSON must get our own 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) log.error({ err: err.message }, 'webhook request failed');
    void reply.code(status).send({ error: status === 413 ? `body larger than ${bodyLimitBytes} bytes` : err.message });
  });

  app.get('/healthz', () => ({ ok: true }));

  app.post<{ Params: { name: string } }>('/webhooks/:name', async (req, reply) => {
    const hook = req.params.name;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const rows = await sql<{ id: number; parameters: unknown }[]>`
      select ti.id, ti.parameters from trigger_instance ti
      where ti.trigger_ref = ${TRIGGER} and ti.parameters->>'name' = ${hook}
        and exists (select 1 from rule r where r.trigger_instance_id = ti.id and r.enabled)`;
    if (rows.length === 0) return reply.code(404).send({ error: `no enabled webhook "${hook}"` });
    const allowed = rows.filter((r) => {
      const p = webhookParams.safeParse(r.parameters);
      return p.success && authenticated(p.data, req.headers, raw);
    });
    if (allowed.length === 0) {
      log.warn({ webhook: hook, ip: req.ip }, 'webhook refused: missing or invalid credentials');
      return reply.code(401).send({ error: 'missing or invalid credentials (X-Attune-Token, Authorization: Bearer, or X-Hub-Signature-256)' });
    }
    let body: unknown = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        return reply.code(400).send({ error: `body is not valid JSON: ${toError(err).message}` });
      }
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !CREDENTIAL_HEADERS.has(k)));
    const eventIds: string[] = [];
    try {
      for (const inst of allowed) eventIds.push((await emitEvent(ctx, checker, TRIGGER, { body, headers }, { triggerInstanceId: inst.id })).eventId);
    } catch (err) {
      if (err instanceof ValidationError) return reply.code(400).send({ error: err.message });
      if (err instanceof MessageTooLargeError) return reply.code(413).send({ error: err.message });
      if (err instanceof BackPressureError) {
        log.warn({ webhook: hook, stream: err.stream }, 'webhook refused: back-pressure');
        return reply.code(503).header('retry-after', '5').send({ error: err.message, eventIds });
      }
      throw err;
    }
    log.debug({ webhook: hook, eventIds }, 'webhook accepted');
    return reply.code(202).send({ eventId: eventIds[0], eventIds });
  });

  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
  log.info({ url }, 'webhook server listening');
  let state = 'listening';
  return {
    name: 'webhook',
    url,
    state: () => state,
    stop: async () => {
      state = 'draining';
      await app.close();
      state = 'stopped';
    },
  };
}
