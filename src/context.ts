/** What every actor and service of one Attune instance shares: a small bag of handles. */
import type { Logger } from 'pino';
import type { AnyStateMachine } from 'xstate';
import type { ResolvedConfig } from './config.ts';
import type { Sql } from './db/sql.ts';
import type { InProcessHandler } from './domain/action-handler.ts';
import { keyCatalog, streamCatalog, type KeyCatalog, type StreamCatalog } from './streams/catalog.ts';
import { createConsumer, type ConsumerSpec, type StreamConsumer } from './streams/consumer.ts';
import { Publisher } from './streams/publisher.ts';
import type { AttuneRedis } from './streams/redis.ts';

export interface AttuneContext {
  config: ResolvedConfig;
  log: Logger;
  redisUrl: string;
  redis: AttuneRedis;
  /** Absent in a worker-only process: workers need no database. */
  sql: Sql | null;
  catalog: StreamCatalog;
  keys: KeyCatalog;
  publisher: Publisher;
  handlers: Map<string, InProcessHandler>;
  /** Code-defined workflow machines registered in this process, by action ref (`defineWorkflow`). */
  workflows: Map<string, AnyStateMachine>;
}

export function createContext(
  parts: Omit<AttuneContext, 'catalog' | 'keys' | 'publisher' | 'workflows'> & Partial<Pick<AttuneContext, 'workflows'>>,
): AttuneContext {
  return {
    ...parts,
    workflows: parts.workflows ?? new Map<string, AnyStateMachine>(),
    catalog: streamCatalog(parts.config.namespace),
    keys: keyCatalog(parts.config.namespace),
    publisher: new Publisher(parts.redis, { maxLen: parts.config.streamMaxLen, maxPayloadBytes: parts.config.consumer.maxPayloadBytes }),
  };
}

export function requireSql(ctx: AttuneContext, who: string): Sql {
  if (!ctx.sql) throw new Error(`${who} needs a database (DATABASE_URL)`);
  return ctx.sql;
}

/** A running actor, as `start()` hands it back. */
export interface ActorHandle {
  name: string;
  stop(): Promise<void>;
  /** What it is doing now: a machine state such as `consuming`, or `backingOff: <error>`. */
  state(): string;
  /** Where an actor serving HTTP (webhook) listens. */
  url?: string;
}

/** A stream consumer for an actor of this instance, with its own blocking connection. */
export function createActorConsumer<T>(ctx: AttuneContext, spec: ConsumerSpec<T>): StreamConsumer<T> {
  return createConsumer<T>(
    {
      redis: ctx.redis,
      redisUrl: ctx.redisUrl,
      catalog: ctx.catalog,
      settings: ctx.config.consumer,
      deadMaxLen: ctx.config.streams.deadMaxLen,
      crashAt: ctx.config.crashAt,
    },
    spec,
  );
}
