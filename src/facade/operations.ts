/**
 * The facade's parts beyond the core library calls, for the HTTP API, the dashboard and the CLI:
 * API keys, packs and actions listings, webhook deliveries, live output and the status feed.
 */
import type { AttuneContext } from '../context.ts';
import { apiRole, createApiKey, findApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord, type ApiRole } from '../db/api-keys-repo.ts';
import { listActions, listPacks, type ActionRecord, type PackRecord } from '../db/catalog-repo.ts';
import type { Sql } from '../db/sql.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { webhookReceiver, type WebhookDelivery, type WebhookOutcome } from '../triggers/webhook-receive.ts';
import { listenChanges, watchOutput, type ExecutionChange, type OutputLine, type WatchOptions } from './live.ts';

export interface ApiKeys {
  /** A new key: the key itself is returned here only (only its hash is stored). */
  create(role: ApiRole, name?: string): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(id: number): Promise<void>;
  /** The live key's id and role, or null. Reads only. */
  verify(key: string): Promise<{ id: number; role: ApiRole } | null>;
}

export interface Operations {
  apiKeys: ApiKeys;
  catalog: { packs: () => Promise<PackRecord[]>; actions: (pack?: string) => Promise<ActionRecord[]> };
  webhooks: { receive(delivery: WebhookDelivery): Promise<WebhookOutcome> };
  live: {
    /** The execution's output lines as they are produced, until it ends (`redis-cli XREAD` sees the same stream). */
    watch: (id: number, options?: WatchOptions) => AsyncGenerator<OutputLine>;
    /** Every execution status change (insert included); resolves to an unsubscribe function. */
    changes: (listener: (change: ExecutionChange) => void) => Promise<() => Promise<void>>;
  };
}

export function operations(ctx: AttuneContext, sql: Sql): Operations {
  const receive = webhookReceiver(ctx, sql);
  return {
    apiKeys: {
      create(role, name = '') {
        const r = apiRole.safeParse(role);
        if (!r.success) throw new ValidationError(`role must be one of viewer, operator, admin; got "${String(role)}"`);
        return createApiKey(sql, r.data, name);
      },
      list: () => listApiKeys(sql),
      async revoke(id) {
        if (!(await revokeApiKey(sql, id))) throw new NotFoundError(`no live API key ${id}`);
      },
      verify: (key) => findApiKey(sql, key),
    },
    catalog: { packs: () => listPacks(sql), actions: (pack) => listActions(sql, pack) },
    webhooks: { receive },
    live: {
      watch: (id, o) => watchOutput(sql, ctx.redisUrl, ctx.keys, id, o),
      changes: (listener) => listenChanges(sql, ctx.config.schema, listener),
    },
  };
}
