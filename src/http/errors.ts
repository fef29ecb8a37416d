/**
 * The HTTP server's errors, shared by every surface: input checked against a zod schema (400
 * naming the field and the value given), fastify's own refusals (invalid JSON, an unsupported
 * Content-Type, a body over the limit, a malformed URL) as `{ error, field? }` with their status,
 * and an unknown route: 405 with `Allow` when the path exists under other methods, else 404.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

export class BadInput extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The value at `path` in `value`, for the message: short scalars only. */
function given(value: unknown, path: readonly PropertyKey[]): string {
  let v = value;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  if (v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v))) return '';
  const text = JSON.stringify(v);
  return text.length <= 80 ? ` (got ${text})` : '';
}

/** `value` parsed by `schema`, or a BadInput naming the first wrong field (`where.path`) and what was given. */
export function check(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return {};
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  if (issue?.code === 'unrecognized_keys') {
    const field = [where, ...path, issue.keys[0] ?? ''].join('.');
    const known = Object.keys((schema as unknown as { shape?: object }).shape ?? {});
    throw new BadInput(field, `${field}: unknown ${where === 'query' ? 'query parameter' : 'field'}${known.length ? `; known: ${known.join(', ')}` : ''}`);
  }
  const field = [where, ...path].join('.');
  throw new BadInput(field, `${field}: ${issue?.message ?? 'invalid'}${given(value, issue?.path ?? [])}`);
}

/** Fastify's own 4xx refusals, as the API words them; null for anything else. */
export function fastifyRefusal(err: FastifyError, req: FastifyRequest, bodyLimit: number): { status: number; error: string; field?: string } | null {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        field: 'headers.content-type',
        error: `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not supported; send application/json`,
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, field: 'body', error: `body larger than ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, field: 'body', error: `body: ${err.message}` };
    default:
      return err.statusCode && err.statusCode < 500 ? { status: err.statusCode, error: err.message } : null;
  }
}

/** Collects the routes as they are registered, and answers for the URLs none of them takes. */
export function routeCatalog(app: FastifyInstance): { notFound: (req: FastifyRequest, reply: FastifyReply) => FastifyReply } {
  const routes: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (r) => {
    const pattern = new RegExp(`^${r.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`);
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, pattern });
  });
  return {
    notFound: (req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      const allow = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
      if (allow.length === 0) return reply.code(404).send({ error: `no route ${req.method} ${path}` });
      return reply
        .code(405)
        .header('allow', allow.join(', '))
        .send({ error: `${req.method} is not allowed on ${path}; it takes ${allow.join(', ')}` });
    },
  };
}
