/**
 * The one consumer every actor uses: the effects behind `consumer-machine.ts`.
 *
 * - reading (`reader.ts`): its own pending entries first, then new ones, in batches, on a dedicated
 *   blocking connection; idle entries of other consumers taken over with `XAUTOCLAIM`; poison
 *   entries moved to the `dead` stream, atomically with their ack (`dead-letter.ts`, Lua);
 * - handling (`batch-handler.ts`): a batch under a deadline, acked in one round trip after the
 *   handler has committed its effects; a failed batch split to find its culprit(s).
 */
import { createActor, fromPromise, type Actor } from 'xstate';
import { BatchHandler } from './batch-handler.ts';
import type { StreamCatalog } from './catalog.ts';
import { createConsumerMachine } from './consumer-machine.ts';
import { RetryLedger, type ConsumerOptions, type ConsumerSettings, type Delivery } from './consumer-types.ts';
import { EntryReader } from './reader.ts';
import { createBlockingRedis, type AttuneRedis } from './redis.ts';
import { isTransient, toError } from '../errors.ts';

export type { ConsumerOptions, ConsumerSettings, Delivery } from './consumer-types.ts';

export class StreamConsumer<T = unknown> {
  private actor: Actor<ReturnType<ReturnType<typeof createConsumerMachine<Delivery<T>[]>>['provide']>> | null = null;
  private stopped: Promise<void> | null = null;
  private readonly o: ConsumerOptions<T>;
  private readonly ledger = new RetryLedger();
  private readonly reader: EntryReader<T>;
  private readonly handler: BatchHandler<T>;

  constructor(options: ConsumerOptions<T>) {
    this.o = options;
    this.reader = new EntryReader(options, this.ledger);
    this.handler = new BatchHandler(options, this.ledger, (batch) => this.ack(batch));
  }

  start(): void {
    if (this.actor) return;
    const machine = createConsumerMachine<Delivery<T>[]>().provide({
      actors: {
        prepare: fromPromise(() => this.reader.prepare()),
        read: fromPromise(() => this.reader.read()),
        handle: fromPromise(({ input }) => this.handler.handle(input.batch)),
        drain: fromPromise(() => this.o.drain?.() ?? Promise.resolve()),
      },
      actions: {
        interruptRead: () => this.o.blocking.disconnect(),
        reportFailure: (_, params) => {
          const err = toError(params.error);
          this.o.log.warn({ err: err.message, transient: isTransient(err) }, `${this.o.name}: backing off after error`);
        },
      },
    });
    const actor = createActor(machine);
    this.actor = actor;
    this.stopped = new Promise((resolve) => {
      actor.subscribe({
        complete: () => resolve(),
        error: (err) => {
          this.o.log.error({ err: toError(err).message }, `${this.o.name}: consumer machine failed`);
          resolve();
        },
      });
    });
    actor.start();
  }

  /** The machine's current state name; while backing off, with the error that caused it. */
  state(): string {
    const snapshot = this.actor?.getSnapshot();
    if (!snapshot) return 'idle';
    const name = String(snapshot.value);
    return name === 'backingOff' && snapshot.context.lastError ? `${name}: ${snapshot.context.lastError}` : name;
  }

  /** Stops reading, finishes the batch in hand (and, in manual mode, the work in flight). */
  async stop(): Promise<void> {
    if (!this.actor) return;
    this.actor.send({ type: 'STOP' });
    await this.stopped;
    this.o.blocking.disconnect();
    // Leaves the group when it holds nothing, so `XINFO CONSUMERS` lists the living after restarts.
    await Promise.all(this.o.streams.map((d) => this.o.redis.forgetConsumer(d.key, this.o.group, this.o.consumer).catch(() => 0)));
  }

  /** Acks handled entries, one XACK per stream. */
  async ack(batch: readonly Delivery<T>[]): Promise<void> {
    if (batch.length === 0) return;
    const byStream = new Map<string, string[]>();
    for (const d of batch) {
      const ids = byStream.get(d.def.key) ?? [];
      ids.push(d.entryId);
      byStream.set(d.def.key, ids);
      this.ledger.forget(d.entryId);
    }
    await Promise.all([...byStream].map(([key, ids]) => this.o.redis.xack(key, this.o.group, ...ids)));
  }
}

/** What the consumers of one instance share: its command connection, its catalog, its limits. */
export interface ConsumerShared {
  redis: AttuneRedis;
  /** Where each consumer opens its own blocking connection. */
  redisUrl: string;
  catalog: StreamCatalog;
  settings: ConsumerSettings;
  deadMaxLen: number;
  crashAt?: string | null;
}

/** What one consumer says for itself: its streams, group, name, handler. */
export type ConsumerSpec<T> = Omit<ConsumerOptions<T>, keyof ConsumerShared | 'blocking'>;

/** A consumer (not started) with its own blocking connection, named `attune:<name>:<consumer>`. */
export function createConsumer<T>(shared: ConsumerShared, spec: ConsumerSpec<T>): StreamConsumer<T> {
  const { redisUrl, ...rest } = shared;
  return new StreamConsumer<T>({
    ...spec,
    ...rest,
    blocking: createBlockingRedis(redisUrl, `attune:${spec.name}:${spec.consumer}`),
  });
}
