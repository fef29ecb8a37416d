/**
 * `/api/v1`: every route checks the key and role first (onRequest, before the body is read), then
 * validates params, query and body with its zod schemas (400 naming the field), then calls the
 * facade. Errors are JSON: `{ error, field? }`; 404 for what does not exist, 400 for what the
 * facade refuses as invalid, 503 (with Retry-After) when Redis or Postgres cannot be reached.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Attune } from '../attune.ts';
import { AttuneError, NotFoundError, ValidationError, isTransient, toError } from '../facade/schemas.ts';
import { requireRole } from './auth.ts';
import { BadInput, check, fastifyRefusal } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import type { SseFeeds } from './sse.ts';
import { executionRoutes } from './routes/executions.ts';
import { platformRoutes } from './routes/platform.ts';
import { ruleRoutes } from './routes/rules.ts';
import { traceFrom } from './trace-context.ts';

export const API_PREFIX = '/api/v1';
export const apiRoutes: readonly Route[] = [...executionRoutes, ...ruleRoutes, ...platformRoutes];

export interface ApiPluginOptions {
  attune: Attune;
  sse: SseFeeds;
  /** The server's answer to a URL no route takes (404, or 405 naming the methods the path takes). */
  notFound: (req: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

export async function apiPlugin(app: FastifyInstance, opts: ApiPluginOptions): Promise<void> {
  const { attune, sse } = opts;
  // JSON only: a body sent as text/plain (fetch's default for a string) is a 415, not a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadInput) return reply.code(400).send({ error: err.message, field: err.field });
    if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message });
    if (err instanceof ValidationError) return reply.code(400).send({ error: err.message });
    // Redis or Postgres unreachable, a stream full, the instance stopping: the request may be sent again (not a 400, not a bug).
    if (isTransient(err) || (err as { code?: unknown }).code === 'ATTUNE_STOPPED') {
      attune.log.warn({ err: toError(err).message, url: req.url }, 'API request failed: a service is unavailable');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ error: `service unavailable, retry later: ${toError(err).message}` });
    }
    const refused = fastifyRefusal(err, req, attune.config.webhook.bodyLimitBytes);
    if (refused) return reply.code(refused.status).send({ error: refused.error, ...(refused.field ? { field: refused.field } : {}) });
    const status = err.statusCode ?? (err instanceof AttuneError ? 400 : 500);
    if (status >= 500) attune.log.error({ err: toError(err).message, url: req.url }, 'API request failed');
    return reply.code(status).send({ error: status >= 500 ? `internal error: ${err.message}` : err.message });
  });
  app.setNotFoundHandler(opts.notFound);

  app.get('/openapi.json', async () => openApiDocument(apiRoutes, API_PREFIX));

  for (const r of apiRoutes) {
    app.route({
      method: r.method,
      url: r.path,
      onRequest: requireRole(attune, r.role),
      handler: async (req, reply) => {
        // `?key=` is the API key (auth.ts reads it on any route), not a parameter of the route.
        const { key: _key, ...query } = (req.query ?? {}) as Record<string, unknown>;
        const input = {
          params: check(r.params, req.params, 'params'),
          query: check(r.query, r.query?.shape.key ? req.query : query, 'query'),
          body: check(r.body, req.body, 'body'),
        };
        check(r.headers, req.headers, 'headers');
        const out = await r.handler({ ...input, attune, sse, trace: traceFrom(req.headers), req, reply } as Parameters<Route['handler']>[0]);
        if (r.sse) return reply;
        return reply.code(r.status ?? 200).send(out);
      },
    });
  }
}
