/** What a stream consumer is given, and what it hands its handler. */
import type { Logger } from 'pino';
import type { StreamCatalog, StreamDef } from './catalog.ts';
import type { Envelope } from './codec.ts';
import type { AttuneRedis } from './redis.ts';

export interface Delivery<T = unknown> {
  def: StreamDef;
  entryId: string;
  message: Envelope<T>;
  deliveries: number;
}

export interface ConsumerSettings {
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  claimEveryMs: number;
  maxDeliveries: number;
  maxPayloadBytes: number;
  /** Handling not settled after this long is retried as after a transient error (default 120 s). */
  handleDeadlineMs?: number;
}

export interface ConsumerOptions<T> {
  name: string;
  redis: AttuneRedis;
  blocking: AttuneRedis;
  catalog: StreamCatalog;
  streams: readonly StreamDef[];
  group: string;
  consumer: string;
  settings: ConsumerSettings;
  deadMaxLen: number;
  log: Logger;
  /** Handles a batch; throwing a transient error retries the same batch after a back-off. */
  handle: (batch: Delivery<T>[]) => Promise<void>;
  /** `auto`: the loop acks after `handle`. `manual`: the handler acks (workers, after the action). */
  ackMode?: 'auto' | 'manual';
  /** How many more entries may be taken now (manual mode); reading pauses at 0. */
  capacity?: () => number;
  /** Resolves when capacity may have come back, or after `ms`. */
  waitForCapacity?: (ms: number) => Promise<void>;
  /** Waits for manually acked work in flight at stop. */
  drain?: () => Promise<void>;
  /** This consumer's own handling deadline, over `settings.handleDeadlineMs`. */
  handleDeadlineMs?: number;
  /** Test hook: `<name>.before-ack` SIGKILLs the process after handling, before the ack. */
  crashAt?: string | null;
}

/** An entry as XREADGROUP and XAUTOCLAIM return it; `null` fields: deleted while pending. */
export type RawEntry = [id: string, fields: string[] | null];
export type StreamReply = [key: string, entries: RawEntry[]][];

/**
 * What the handling side tells the reading side about messages that failed: read the own pending
 * list again, not before the back-off of the latest failure, and the last error of each entry (the
 * reason its dead letter gives once it has been delivered too often).
 */
export class RetryLedger {
  /** Read the own pending list (`0`) before new entries (`>`): at start, and after a failure. */
  pendingFirst = true;
  /** Epoch ms before which the pending list is not read again. */
  nextPendingAt = 0;
  private readonly errors = new Map<string, string>();

  /** A message failed: it is retried from the pending list after a back-off that grows with its deliveries. */
  failed(entryId: string, deliveries: number, error: string): void {
    this.errors.set(entryId, error);
    const retryIn = Math.min(30_000, 500 * 2 ** (deliveries - 1));
    this.nextPendingAt = Math.max(this.nextPendingAt, Date.now() + retryIn);
  }

  lastError(entryId: string): string | undefined {
    return this.errors.get(entryId);
  }

  /** The entry was acked or dead-lettered. */
  forget(entryId: string): void {
    this.errors.delete(entryId);
  }
}
