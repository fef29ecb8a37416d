/** `/api/v1/rules`: CRUD (admin), enable/disable (operator), dry-run (viewer: it writes nothing). */
import { z } from 'zod';
import { enforcementStatuses, NotFoundError, ruleFileSchema } from '../../facade/schemas.ts';
import { keysetPage, pageQuery, refParams, route, type Route } from '../route.ts';

const listQuery = z.object({
  pack: z.string().min(1).optional(),
  trigger: z.string().min(1).optional(),
  enabled: z.enum(['true', 'false']).optional(),
});
const enforcementsQuery = z.object({
  status: z
    .enum(enforcementStatuses, { error: (iss) => `unknown enforcement status ${JSON.stringify(iss.input)} (known: ${enforcementStatuses.join(', ')})` })
    .optional(),
  ...pageQuery,
});
const dryRunBody = z.object({
  rule: z.union([z.string().min(1), ruleFileSchema]).describe('a stored rule’s ref, or a rule definition'),
  sinceMs: z.number().int().positive().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
});

export const ruleRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/rules',
    role: 'viewer',
    tag: 'rules',
    summary: 'List rules',
    query: listQuery,
    handler: async ({ attune, query }) => ({
      items: await attune.rules.list({ pack: query.pack, trigger: query.trigger, enabled: query.enabled === undefined ? undefined : query.enabled === 'true' }),
    }),
  }),
  route({
    method: 'GET',
    path: '/rules/:ref',
    role: 'viewer',
    tag: 'rules',
    summary: 'One rule',
    params: refParams,
    handler: async ({ attune, params }) => {
      const r = await attune.rules.get(params.ref);
      if (!r) throw new NotFoundError(`no rule "${params.ref}"`);
      return r;
    },
  }),
  route({
    method: 'GET',
    path: '/rules/:ref/enforcements',
    role: 'viewer',
    tag: 'rules',
    summary:
      'What the rule made of each event, newest first: the execution, or why none (`throttled`, `debounced`, `deduplicated` with the flow key and reason, or `failed`); page with `before` = the previous page’s `next` (null on the last page)',
    params: refParams,
    query: enforcementsQuery,
    handler: async ({ attune, params, query }) => {
      const rows = await attune.rules.enforcements(params.ref, { ...query, limit: query.limit + 1 });
      const page = keysetPage(rows, query.limit);
      return {
        ...page,
        items: page.items.map((r) => ({
          id: r.id,
          event_id: r.event_id,
          status: r.status,
          flow_key: r.flow_key,
          reason: r.reason,
          execution_id: r.execution_id,
          created_at: r.created_at,
        })),
      };
    },
  }),
  route({
    method: 'POST',
    path: '/rules',
    role: 'admin',
    tag: 'rules',
    summary: 'Create a rule (the body is a rule as in `rules/*.yaml`, with `pack`)',
    body: ruleFileSchema,
    status: 201,
    handler: ({ attune, body }) => attune.rules.create(body),
  }),
  route({
    method: 'PUT',
    path: '/rules/:ref',
    role: 'admin',
    tag: 'rules',
    summary: 'Replace a rule’s definition',
    params: refParams,
    body: ruleFileSchema,
    handler: ({ attune, params, body }) => attune.rules.update(params.ref, body),
  }),
  route({
    method: 'DELETE',
    path: '/rules/:ref',
    role: 'admin',
    tag: 'rules',
    summary: 'Delete a rule',
    params: refParams,
    handler: async ({ attune, params }) => {
      await attune.rules.delete(params.ref);
      return { deleted: params.ref };
    },
  }),
  ...(['enable', 'disable'] as const).map((verb) =>
    route({
      method: 'POST',
      path: `/rules/:ref/${verb}`,
      role: 'operator',
      tag: 'rules',
      summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a rule`,
      params: refParams,
      handler: async ({ attune, params }) => {
        await attune.rules[verb](params.ref);
        return attune.rules.get(params.ref);
      },
    }),
  ),
  route({
    method: 'POST',
    path: '/rules/dry-run',
    role: 'viewer',
    tag: 'rules',
    summary: 'Which stored events a rule would match, and the parameters it would render (writes nothing)',
    body: dryRunBody,
    handler: ({ attune, body }) => attune.rules.test(body.rule, { sinceMs: body.sinceMs, limit: body.limit }),
  }),
];
