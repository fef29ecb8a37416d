/** The OpenAPI 3.1 document of `/api/v1`, generated from the routes' zod schemas (zod's own JSON Schema output). */
import { z } from 'zod';
import type { Route } from './route.ts';

type Json = Record<string, unknown>;

const jsonSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header'): Json[] {
  if (!schema) return [];
  const js = jsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export function openApiDocument(routes: readonly Route[], prefix: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = prefix + r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Json = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[/:-]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
      summary: r.summary,
      tags: [r.tag],
      'x-attune-role': r.role,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query'), ...parameters(r.headers, 'header')],
      responses: {
        [String(r.status ?? 200)]: r.sse
          ? { description: 'text/event-stream', content: { 'text/event-stream': {} } }
          : { description: 'OK', content: { 'application/json': {} } },
        400: error('invalid input; `field` names it'),
        401: error('no or unknown API key'),
        403: error(`the key's role is below ${r.role}`),
        404: error('not found'),
        ...(r.body ? { 413: error('body over `webhook.bodyLimitBytes`'), 415: error('a body that is not application/json') } : {}),
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Attune API',
      version: '1',
      description: 'Every route needs `Authorization: Bearer <key>` (`attune apikey create`). Roles: viewer < operator < admin.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', properties: { error: { type: 'string' }, field: { type: 'string' } }, required: ['error'] } },
    },
    paths,
  };
}
