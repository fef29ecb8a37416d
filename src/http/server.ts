/**
 * The one HTTP server: webhooks (`/webhooks/<name>`, their own tokens/HMAC), the API (`/api/v1`,
 * API keys and roles), `/metrics`, `/healthz` (liveness), `/readyz` (readiness), and the dashboard (`/`, the built `web/` folder).
 * `attune up` starts it; a library user calls `startHttpServer(attune)`. It uses only the facade.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError } from 'fastify';
import type { Attune } from '../attune.ts';
import { toError } from '../facade/schemas.ts';
import { API_PREFIX, apiPlugin } from './api.ts';
import { fastifyRefusal, routeCatalog } from './errors.ts';
import { createMetrics } from './metrics.ts';
import { createSseFeeds } from './sse.ts';
import { webhookPlugin } from './webhook-routes.ts';

/** Where `npm run build:web` puts the dashboard. */
export const defaultWebDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface HttpServerOptions {
  /** Default: `webhook.port` of the config (`ATTUNE_HTTP_PORT`, 8080); 0 picks a free port. */
  port?: number;
  host?: string;
  /** The built dashboard; null serves none. Default: `web/dist` when it exists. */
  webDir?: string | null;
}

export interface HttpServer {
  url: string;
  stop(): Promise<void>;
}

export async function startHttpServer(attune: Attune, o: HttpServerOptions = {}): Promise<HttpServer> {
  const port = o.port ?? attune.config.webhook.port;
  const host = o.host ?? attune.config.webhook.host;
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: attune.config.webhook.bodyLimitBytes });
  const sse = createSseFeeds(attune.config.webhook.sseBufferBytes);
  const metrics = createMetrics(attune, () => attune.executions.counts(), sse);
  const unlisten = await attune.executions.changes((c) => metrics.observe(c));
  // Outside /api/v1 and /webhooks (their plugins word their own): JSON errors too, 405 for a known path.
  const catalog = routeCatalog(app);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const refused = fastifyRefusal(err, req, attune.config.webhook.bodyLimitBytes);
    if (refused) return reply.code(refused.status).send({ error: refused.error, ...(refused.field ? { field: refused.field } : {}) });
    attune.log.error({ err: toError(err).message, url: req.url }, 'HTTP request failed');
    return reply.code(500).send({ error: 'internal error (see the server log)' });
  });
  const webDir = o.webDir === undefined ? (existsSync(defaultWebDir) ? defaultWebDir : null) : o.webDir;
  // Client-side routes of the dashboard (/executions/42 …) get its index.html.
  app.setNotFoundHandler((req, reply) => (webDir && req.method === 'GET' ? reply.sendFile('index.html') : catalog.notFound(req, reply)));

  app.get('/healthz', async () => ({ ok: true })); // liveness: the process answers
  // Readiness: Redis and Postgres answer, every actor of this instance consumes (503 with the reason otherwise).
  app.get('/readyz', async (_req, reply) => {
    const health = await attune.health();
    return reply.code(health.ok ? 200 : 503).send(health);
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await app.register(webhookPlugin, { prefix: '/webhooks', attune });
  await app.register(apiPlugin, { prefix: API_PREFIX, attune, sse, notFound: catalog.notFound });
  if (webDir) await app.register(fastifyStatic, { root: webDir, wildcard: false });

  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
  attune.log.info({ url }, 'HTTP server listening (webhooks, /api/v1, /metrics, dashboard)');
  return {
    url,
    async stop() {
      await unlisten();
      await app.close();
    },
  };
}
