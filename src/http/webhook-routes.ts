/**
 * `POST /webhooks/<name>`: the raw body and headers go to `attune.webhooks.receive` (token or HMAC
 * of the raw bytes, checked there); 202 with the event id, 401/404/400 as it says, 413 over
 * `webhook.bodyLimitBytes`. A `traceparent` header sets the trace id. Webhooks keep their own
 * credentials: API keys play no part here.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Attune } from '../attune.ts';
import { toError } from '../facade/schemas.ts';
import { traceFrom } from './trace-context.ts';

export async function webhookPlugin(app: FastifyInstance, opts: { attune: Attune }): Promise<void> {
  const { attune } = opts;
  const log = attune.log.child({ surface: 'webhook' });
  const limit = attune.config.webhook.bodyLimitBytes;
  // Keep the raw bytes: the HMAC is over them, and invalid JSON must get our own 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) log.error({ err: toError(err).message }, 'webhook request failed');
    return reply.code(status).send({ error: status === 413 ? `body larger than ${limit} bytes` : err.message });
  });

  app.post<{ Params: { name: string } }>('/:name', { bodyLimit: limit }, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const out = await attune.webhooks.receive({ name: req.params.name, headers: req.headers, raw, trace: traceFrom(req.headers) });
    if (out.status === 503) {
      log.warn({ webhook: req.params.name, stream: out.stream }, 'webhook refused: back-pressure');
      return reply.code(503).header('retry-after', '5').send({ error: out.error, eventIds: out.eventIds });
    }
    if (out.status !== 202) {
      if (out.status === 401) log.warn({ webhook: req.params.name, ip: req.ip }, 'webhook refused: missing or invalid credentials');
      return reply.code(out.status).send({ error: out.error });
    }
    log.debug({ webhook: req.params.name, eventIds: out.eventIds }, 'webhook accepted');
    return reply.code(202).send({ eventId: out.eventId, eventIds: out.eventIds });
  });
}
