/** `/api/v1`: actions, packs, events, workers, streams, dead letters, API keys. */
import { z } from 'zod';
import { apiRole } from '../../facade/schemas.ts';
import { refParams, route, type Route } from '../route.ts';

const deadIds = z.object({
  ids: z.union([z.array(z.string().regex(/^\d+-\d+$/, 'a dead entry id looks like 1718000000000-0')).min(1), z.literal('all')]),
});

export const platformRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/actions',
    role: 'viewer',
    tag: 'actions',
    summary: 'List actions',
    query: z.object({ pack: z.string().min(1).optional() }),
    handler: async ({ attune, query }) => ({ items: await attune.actions.list(query.pack) }),
  }),
  route({
    method: 'GET',
    path: '/actions/:ref',
    role: 'viewer',
    tag: 'actions',
    summary: 'An action’s runtime and parameters',
    params: refParams,
    handler: ({ attune, params }) => attune.actions.describe(params.ref),
  }),
  route({
    method: 'GET',
    path: '/packs',
    role: 'viewer',
    tag: 'packs',
    summary: 'List packs',
    handler: async ({ attune }) => ({ items: await attune.packs.list() }),
  }),
  route({
    method: 'POST',
    path: '/packs',
    role: 'admin',
    tag: 'packs',
    summary: 'Load (or reload) a pack from a folder on the server',
    body: z.object({ path: z.string().min(1).describe('folder holding pack.yaml, on the server') }),
    handler: ({ attune, body }) => attune.packs.load(body.path),
  }),
  route({
    method: 'POST',
    path: '/events',
    role: 'operator',
    tag: 'events',
    summary: 'Emit an event of a trigger (a `traceparent` header sets the trace id)',
    body: z.object({ trigger: z.string().min(1), payload: z.record(z.string(), z.unknown()).default({}), dedupeKey: z.string().min(1).optional() }),
    status: 202,
    handler: ({ attune, body, trace }) => attune.emit(body.trigger, body.payload, { dedupeKey: body.dedupeKey, trace }),
  }),
  route({
    method: 'GET',
    path: '/workers',
    role: 'viewer',
    tag: 'workers',
    summary: 'Registered workers, liveness and load',
    handler: async ({ attune }) => ({ items: await attune.workers() }),
  }),
  route({
    method: 'GET',
    path: '/streams',
    role: 'viewer',
    tag: 'streams',
    summary: 'Streams: length, groups, pending, lag',
    handler: async ({ attune }) => ({ items: await attune.streams() }),
  }),
  route({
    method: 'GET',
    path: '/dead-letters',
    role: 'viewer',
    tag: 'dead letters',
    summary: 'Dead letters, oldest first',
    query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
    handler: async ({ attune, query }) => ({ items: await attune.dlq.list(query.limit) }),
  }),
  route({
    method: 'POST',
    path: '/dead-letters/replay',
    role: 'operator',
    tag: 'dead letters',
    summary: 'Put dead letters back on their origin streams',
    body: deadIds,
    handler: async ({ attune, body }) => ({ replayed: await attune.dlq.replay(body.ids) }),
  }),
  route({
    method: 'POST',
    path: '/dead-letters/drop',
    role: 'operator',
    tag: 'dead letters',
    summary: 'Delete dead letters',
    body: deadIds,
    handler: async ({ attune, body }) => ({ dropped: await attune.dlq.drop(body.ids) }),
  }),
  route({
    method: 'GET',
    path: '/apikeys',
    role: 'admin',
    tag: 'api keys',
    summary: 'List API keys (never the keys themselves)',
    handler: async ({ attune }) => ({ items: await attune.apiKeys.list() }),
  }),
  route({
    method: 'POST',
    path: '/apikeys',
    role: 'admin',
    tag: 'api keys',
    summary: 'Create an API key; the key is in this reply only',
    body: z.object({ role: apiRole, name: z.string().max(200).default('') }),
    status: 201,
    handler: async ({ attune, body }) => {
      const { key, record } = await attune.apiKeys.create(body.role, body.name);
      return { key, ...record };
    },
  }),
  route({
    method: 'DELETE',
    path: '/apikeys/:id',
    role: 'admin',
    tag: 'api keys',
    summary: 'Revoke an API key',
    params: z.object({ id: z.coerce.number().int().positive() }),
    handler: async ({ attune, params }) => {
      await attune.apiKeys.revoke(params.id);
      return { revoked: params.id };
    },
  }),
];
