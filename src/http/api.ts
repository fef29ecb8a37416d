/**
 * `/api/v1`: every route checks the key and role first (onRequest, before the body is read), then
 * validates params, query and body with its zod schemas (400 naming the field), then calls the
 * facade. Errors are JSON: `{ error, field? }`; 404 for what does not exist, 400 for what the
 * facade refuses as invalid.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Attune } from '../attune.ts';
import { AttuneError, NotFoundError, ValidationError, toError } from '../facade/schemas.ts';
import { requireRole } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import type { SseFeeds } from './sse.ts';
import { executionRoutes } from './routes/executions.ts';
import { platformRoutes } from './routes/platform.ts';
import { ruleRoutes } from './routes/rules.ts';
import { traceFrom } from './trace-context.ts';

export const API_PREFIX = '/api/v1';
export const apiRoutes: readonly Route[] = [...executionRoutes, ...ruleRoutes, ...platformRoutes];

class BadInput extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

function check<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [where, ...(issue?.path ?? []).map(String)].join('.');
  throw new BadInput(field, `${field}: ${issue?.message ?? 'invalid'}`);
}

export async function apiPlugin(app: FastifyInstance, opts: { attune: Attune; sse: SseFeeds }): Promise<void> {
  const { attune, sse } = opts;
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadInput) return reply.code(400).send({ error: err.message, field: err.field });
    if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message });
    if (err instanceof ValidationError) return reply.code(400).send({ error: err.message });
    const status = err.statusCode ?? (err instanceof AttuneError ? 400 : 500);
    if (status >= 500) attune.log.error({ err: toError(err).message, url: req.url }, 'API request failed');
    return reply.code(status).send({ error: status >= 500 ? `internal error: ${err.message}` : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  app.get('/openapi.json', async () => openApiDocument(apiRoutes, API_PREFIX));

  for (const r of apiRoutes) {
    app.route({
      method: r.method,
      url: r.path,
      onRequest: requireRole(attune, r.role),
      handler: async (req, reply) => {
        const input = {
          params: check(r.params, req.params, 'params'),
          query: check(r.query, req.query, 'query'),
          body: check(r.body, req.body, 'body'),
        };
        const out = await r.handler({ ...input, attune, sse, trace: traceFrom(req.headers), req, reply } as Parameters<Route['handler']>[0]);
        if (r.sse) return reply;
        return reply.code(r.status ?? 200).send(out);
      },
    });
  }
}
