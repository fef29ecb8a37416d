/**
 * API keys on requests: `Authorization: Bearer <key>`. No or unknown key → 401, a role below the
 * route's → 403. Runs in `onRequest`, before the body is read: a refused request touches nothing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Attune } from '../attune.ts';
import type { ApiRole } from '../facade/schemas.ts';

const rank: Record<ApiRole, number> = { viewer: 0, operator: 1, admin: 2 };

export function bearerKey(req: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (m?.[1]) return m[1];
  // EventSource cannot set headers: the dashboard's SSE requests pass the key as `?key=`.
  const q = (req.query as Record<string, unknown> | undefined)?.key;
  return typeof q === 'string' && q.length > 0 ? q : null;
}

export function requireRole(attune: Attune, role: ApiRole) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = bearerKey(req);
    const found = key ? await attune.apiKeys.verify(key) : null;
    if (!found) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'missing or invalid API key (Authorization: Bearer <key>; see `attune apikey create`)' });
      return;
    }
    if (rank[found.role] < rank[role]) {
      await reply.code(403).send({ error: `this needs the ${role} role; the key has ${found.role}` });
      return;
    }
    req.apiRole = found.role;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    apiRole?: ApiRole;
  }
}
