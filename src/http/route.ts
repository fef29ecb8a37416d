/**
 * One API route: its method, path, role, zod schemas of params/query/body, and handler. The same
 * definitions register the routes (src/http/api.ts) and generate the OpenAPI document
 * (src/http/openapi.ts), so what the document says is what the route accepts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Attune } from '../attune.ts';
import type { ApiRole } from '../facade/schemas.ts';
import type { SseFeeds } from './sse.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

type AnyObject = z.ZodObject;

export interface HandlerInput<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
  attune: Attune;
  /** Where `sse: true` routes stream from (bounded per subscriber). */
  sse: SseFeeds;
  /** The W3C `traceparent` trace id, if the caller sent one. */
  trace: string | undefined;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface Route {
  method: Method;
  /** Fastify path under `/api/v1`, e.g. `/executions/:id`. */
  path: string;
  role: ApiRole;
  summary: string;
  tag: string;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  /** Request headers the route reads (checked like the rest; other headers pass). */
  headers?: AnyObject;
  /** 200 by default; 201 for a creation. */
  status?: number;
  /** The reply is a `text/event-stream` the handler writes itself. */
  sse?: boolean;
  handler(input: HandlerInput<AnyObject, AnyObject, z.ZodType>): Promise<unknown>;
}

/** Query and body objects refuse unknown keys: a misspelt filter or field is a 400, never silently ignored. */
const strict = <S extends z.ZodType | undefined>(s: S): S => (s instanceof z.ZodObject ? (s.strict() as unknown as S) : s);

/** Declares a route with its handler typed from its schemas. */
export function route<
  P extends AnyObject = z.ZodObject<Record<never, never>>,
  Q extends AnyObject = z.ZodObject<Record<never, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(def: {
  method: Method;
  path: string;
  role: ApiRole;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  headers?: AnyObject;
  status?: number;
  sse?: boolean;
  handler(input: HandlerInput<P, Q, B>): Promise<unknown>;
}): Route {
  return { ...def, query: strict(def.query), body: strict(def.body) };
}

/** Path parameters used by several routes. */
export const idParams = z.object({ id: z.coerce.number().int().positive().describe('execution id') });
export const refParams = z.object({ ref: z.string().regex(/^[^.\s]+\.[^\s]+$/, 'a ref looks like "<pack>.<name>"') });

/** The `before`/`limit` query of a keyset-paged list (newest first; `before` is the previous page's `next`). */
export const pageQuery = {
  before: z.coerce.number().int().positive().optional().describe('cursor: the `next` of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
};

/**
 * One page of a list fetched with `limit + 1` rows: the extra row only tells whether there is a
 * next page, so `next` (the last item's id, the following page's `before`) is never a page of nothing.
 */
export function keysetPage<T extends { id: number }>(rows: T[], limit: number): { items: T[]; next: number | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
