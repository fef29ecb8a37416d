/**
 * The stream catalog: every stream, its one message schema and its one consumer group; and the
 * key catalog: every other Redis key of a namespace. Key names are built, and read back, here and
 * nowhere else.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import {
  deadLetter,
  eventCreated,
  executionRequested,
  executionScheduled,
  executionStatusReport,
  ruleChanged,
  workerControl,
  workflowChildFinished,
  workflowControl,
  workflowStart,
} from './messages.ts';

export interface StreamDef<S extends z.ZodType = z.ZodType> {
  /** The message type; also the `type` field of every entry. */
  readonly type: string;
  /** The Redis key: `{namespace}:{type}`. */
  readonly key: string;
  readonly schema: S;
  /** The one consumer group reading this stream, or null when readers use plain XREAD. */
  readonly group: string | null;
}

const runtimeName = /^[a-z0-9_-]+$/;
const actionRef = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function def<S extends z.ZodType>(namespace: string, type: string, schema: S, group: string | null): StreamDef<S> {
  return { type, key: `${namespace}:${type}`, schema, group };
}

/** Builds the catalog of one namespace. */
export function streamCatalog(namespace: string) {
  const prefix = `${namespace}:`;
  return {
    namespace,
    eventCreated: def(namespace, 'event.created', eventCreated, 'enforcer'),
    executionRequested: def(namespace, 'execution.requested', executionRequested, 'scheduler'),
    executionScheduled(runtime: string) {
      const name = runtime.toLowerCase();
      if (!runtimeName.test(name)) throw new Error(`invalid runtime name "${runtime}"`);
      return def(namespace, `execution.scheduled.${name}`, executionScheduled, 'worker');
    },
    /** Executions of a `node` action run by an in-process handler: read only by workers that registered it. */
    executionScheduledHandler(ref: string) {
      if (!actionRef.test(ref)) throw new Error(`invalid action ref "${ref}"`);
      return def(namespace, `execution.scheduled.handler.${ref}`, executionScheduled, 'worker');
    },
    executionStatus: def(namespace, 'execution.status', executionStatusReport, 'manager'),
    ruleChanged: def(namespace, 'rule.changed', ruleChanged, null),
    workerControl(workerId: string) {
      return def(namespace, `worker.${workerId}.control`, workerControl, null);
    },
    workflowStart: def(namespace, 'workflow.start', workflowStart, 'workflow'),
    workflowChildFinished: def(namespace, 'workflow.child_finished', workflowChildFinished, 'workflow'),
    workflowControl: def(namespace, 'workflow.control', workflowControl, 'workflow'),
    dead: def(namespace, 'dead', deadLetter, null),
    /** The message type of a key of this namespace (`{namespace}:{type}` → `{type}`), or null for a key of another. */
    typeOf(key: string): string | null {
      return key.startsWith(prefix) ? key.slice(prefix.length) : null;
    },
  };
}
export type StreamCatalog = ReturnType<typeof streamCatalog>;

/** Every stream key of a namespace, for `attune streams` (scheduled streams found by SCAN). */
export function fixedStreams(catalog: StreamCatalog): StreamDef[] {
  return [
    catalog.eventCreated,
    catalog.executionRequested,
    catalog.executionStatus,
    catalog.workflowStart,
    catalog.workflowChildFinished,
    catalog.workflowControl,
    catalog.ruleChanged,
    catalog.dead,
  ];
}

/** The streams read by a consumer group (trimmed only behind the group), scheduled streams found by SCAN. */
export async function groupedStreams(redis: Redis, catalog: StreamCatalog, keys: KeyCatalog): Promise<StreamDef[]> {
  const found = new Map(
    fixedStreams(catalog)
      .filter((d) => d.group !== null)
      .map((d) => [d.key, d]),
  );
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', keys.scheduledPattern, 'COUNT', 500);
    cursor = next;
    for (const k of page) {
      const runtime = catalog.typeOf(k)?.slice('execution.scheduled.'.length);
      if (runtime && /^[a-z0-9_-]+$/.test(runtime)) found.set(k, catalog.executionScheduled(runtime));
    }
  } while (cursor !== '0');
  return [...found.values()];
}

/** Other Redis keys (not streams) of a namespace. */
export function keyCatalog(namespace: string) {
  return {
    /** Hash: worker id → JSON registration with its last heartbeat. */
    workers: `${namespace}:workers`,
    /** String set with NX by the worker that starts an execution: it is never started twice. */
    executionClaim: (executionId: number) => `${namespace}:execution:${executionId}:claim`,
    /** String set by `cancel()`: a worker that finds it never starts the execution. */
    executionCancel: (executionId: number) => `${namespace}:execution:${executionId}:cancel`,
    /**
     * Hash (`result`, `stdout`, `stderr`) of an outcome too big for its status report: written by the
     * worker before it reports, moved into Postgres and deleted by the manager.
     */
    executionOutput: (executionId: number) => `${namespace}:execution:${executionId}:output`,
    /** Set of the execution ids holding a concurrency slot of a scope (`<action>|<key>`). */
    slotHolders: (scope: string) => `${namespace}:slots:${scope}`,
    /** Sorted set: the execution ids waiting for a slot of a scope, oldest first. */
    slotLine: (scope: string) => `${namespace}:slot-line:${scope}`,
    /** SCAN pattern of every scope's holders. */
    slotHoldersPattern: `${namespace}:slots:*`,
    /** SCAN pattern of every scope's line. */
    slotLinePattern: `${namespace}:slot-line:*`,
    /** The scope of a holders or line key (null for another key). */
    slotScopeOf(key: string): string | null {
      for (const p of [`${namespace}:slots:`, `${namespace}:slot-line:`]) if (key.startsWith(p)) return key.slice(p.length);
      return null;
    },
    /** String: the scope whose slot (or place in line) the execution has, so a release needs only the id. */
    executionSlot: (executionId: number) => `${namespace}:execution:${executionId}:slot`,
    /** Sorted set: the executions a rate limit counted in its sliding window (`<action>|<key>`). */
    rateWindow: (scope: string) => `${namespace}:rate:${scope}`,
    /** Sorted set: the events a rule's throttle or dedupe counted in its window (`<rule id>|<kind>|<key>`). */
    flowWindow: (scope: string) => `${namespace}:flow:${scope}`,
    /**
     * Stream of one execution's live output (fields `fd` = stdout|stderr|end, `data`), written by its
     * worker while the action runs, readable with `XREAD`; expires `LIVE_OUTPUT_TTL_S` after the end.
     */
    executionLiveOutput: (executionId: number) => `${namespace}:execution:${executionId}:live`,
    /** String: the secret-parameter key generated for a namespace that configured none (dev). */
    secretKey: `${namespace}:secret-key`,
    /** String set NX with a TTL of one period: the process holding it trims the streams this period. */
    trimLock: `${namespace}:lock:trim`,
    /** SCAN pattern of the workers' control streams (`worker.<id>.control`). */
    controlPattern: `${namespace}:worker.*.control`,
    /** SCAN pattern of the per-runtime and per-handler scheduled streams. */
    scheduledPattern: `${namespace}:execution.scheduled.*`,
    /** What every key of the namespace starts with. */
    prefix: `${namespace}:`,
    /** SCAN pattern of every key in the namespace. */
    all: `${namespace}:*`,
  };
}
export type KeyCatalog = ReturnType<typeof keyCatalog>;
