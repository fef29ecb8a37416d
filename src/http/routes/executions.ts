/** `/api/v1/executions`: list (filters, keyset pagination), get, run, cancel, rerun, children, output and status feeds. */
import { z } from 'zod';
import { executionStatuses, NotFoundError } from '../../facade/schemas.ts';
import { idParams, keysetPage, pageQuery, route, type Route } from '../route.ts';

const listQuery = z.object({
  status: z.enum(executionStatuses).optional(),
  action: z.string().min(1).optional().describe('action ref'),
  trace: z.string().min(1).optional(),
  parent: z.coerce.number().int().positive().optional().describe('children of this execution'),
  ...pageQuery,
});

const runBody = z.object({
  action: z.string().regex(/^[^.\s]+\.[^\s]+$/, 'an action ref looks like "<pack>.<name>"'),
  parameters: z.record(z.string(), z.unknown()).default({}),
  timeoutMs: z.number().int().positive().optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('makes a retry safe (or the `Idempotency-Key` header): the same key answers with the execution it created'),
});

/** An output entry id, as the `id:` of the output feed's events. */
const outputEntryId = z.string().regex(/^\d+-\d+$/, 'an output entry id looks like 1718000000000-0 (the id: of an output event)');
const feedQuery = z.object({ key: z.string().optional().describe('API key, for EventSource clients that cannot set headers') });

export const executionRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/executions',
    role: 'viewer',
    tag: 'executions',
    summary: 'List executions, newest first; page with `before` = the previous page’s `next` (null on the last page)',
    query: listQuery,
    handler: async ({ attune, query }) => keysetPage(await attune.executions.list({ ...query, limit: query.limit + 1 }), query.limit),
  }),
  route({
    method: 'GET',
    path: '/executions/:id',
    role: 'viewer',
    tag: 'executions',
    summary: 'One execution with its result (secret parameters masked)',
    params: idParams,
    handler: async ({ attune, params }) => {
      const e = await attune.executions.get(params.id);
      if (!e) throw new NotFoundError(`execution ${params.id} does not exist`);
      return e;
    },
  }),
  route({
    method: 'GET',
    path: '/executions/:id/children',
    role: 'viewer',
    tag: 'executions',
    summary: 'Executions started by this one (a workflow’s tasks)',
    params: idParams,
    handler: async ({ attune, params }) => {
      const items = await attune.executions.children(params.id);
      if (items.length === 0 && !(await attune.executions.get(params.id))) throw new NotFoundError(`execution ${params.id} does not exist`);
      return { items };
    },
  }),
  route({
    method: 'POST',
    path: '/executions',
    role: 'operator',
    tag: 'executions',
    summary: 'Run an action (a `traceparent` header sets the trace id; an `Idempotency-Key` header makes a retry safe)',
    body: runBody,
    status: 201,
    handler: ({ attune, body, trace, req }) => {
      const header = req.headers['idempotency-key'];
      const idempotencyKey = body.idempotencyKey ?? (typeof header === 'string' ? header : undefined);
      return attune.run(body.action, body.parameters, { timeoutMs: body.timeoutMs, trace, idempotencyKey });
    },
  }),
  route({
    method: 'POST',
    path: '/executions/:id/cancel',
    role: 'operator',
    tag: 'executions',
    summary: 'Cancel a queued or running execution',
    params: idParams,
    handler: ({ attune, params }) => attune.executions.cancel(params.id),
  }),
  route({
    method: 'POST',
    path: '/executions/:id/rerun',
    role: 'operator',
    tag: 'executions',
    summary: 'Run the same action with the same parameters again',
    params: idParams,
    status: 201,
    handler: ({ attune, params, trace }) => attune.executions.rerun(params.id, { trace }),
  }),
  route({
    method: 'GET',
    path: '/executions/:id/output',
    role: 'viewer',
    tag: 'live',
    summary: 'Server-sent events: `output` {fd, data} per line while it runs, then `end`',
    params: idParams,
    query: feedQuery,
    headers: z.object({ 'last-event-id': outputEntryId.optional().describe('resume after this output entry') }),
    sse: true,
    handler: async ({ attune, params, req, reply, sse }) => {
      if (!(await attune.executions.get(params.id))) throw new NotFoundError(`execution ${params.id} does not exist`);
      const abort = new AbortController();
      const last = req.headers['last-event-id'];
      await sse.stream('output', req, reply, abort, async (send) => {
        for await (const line of attune.executions.watch(params.id, { signal: abort.signal, after: typeof last === 'string' ? last : undefined })) {
          send('output', line, line.id);
        }
        send('end', { id: params.id });
      });
    },
  }),
  route({
    method: 'GET',
    path: '/events/executions',
    role: 'viewer',
    tag: 'live',
    summary: 'Server-sent events: `change` {id, status, action, trace, …} on every execution status change',
    query: feedQuery,
    sse: true,
    handler: async ({ attune, req, reply, sse }) => {
      const abort = new AbortController();
      await sse.stream('changes', req, reply, abort, async (send) => {
        const unlisten = await attune.executions.changes((c) => send('change', c));
        await new Promise<void>((resolve) => (abort.signal.aborted ? resolve() : abort.signal.addEventListener('abort', () => resolve(), { once: true })));
        await unlisten();
      });
    },
  }),
];
