/**
 * The one consumer loop every actor uses (the effects behind `consumer-machine.ts`).
 *
 * - reads its own pending entries first (after a restart or a failed handling), then new ones,
 *   in batches (`COUNT`), on a dedicated blocking connection;
 * - sweeps entries idle in other consumers' pending lists with `XAUTOCLAIM`;
 * - moves entries that fail their schema, or were delivered more than `maxDeliveries` times, to the
 *   `dead` stream with origin, error and delivery count, atomically with their ack (Lua);
 * - acks a batch in one round trip after the handler has committed its effects.
 */
import { createActor, fromPromise, type Actor } from 'xstate';
import type { Logger } from 'pino';
import type { StreamCatalog, StreamDef } from './catalog.ts';
import { decode, fieldsToObject, newId, type Envelope } from './codec.ts';
import { createConsumerMachine } from './consumer-machine.ts';
import type { AttuneRedis } from './redis.ts';
import { isTransient, toError } from '../errors.ts';
import { crashPoint } from '../crash-point.ts';

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
  /** Test hook: `<name>.before-ack` SIGKILLs the process after handling, before the ack. */
  crashAt?: string | null;
}

type RawEntry = [id: string, fields: string[] | null];
type StreamReply = [key: string, entries: RawEntry[]][];

const HUNG_READ_GRACE_MS = 10_000;
/**
 * A batch whose handling has not settled after this long is given up and retried as after a
 * transient error: a query on a connection that died can be left unsettled by the client.
 */
const HANDLE_DEADLINE_MS = 120_000;

function withDeadline<V>(work: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`handling did not settle within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class StreamConsumer<T = unknown> {
  private actor: Actor<ReturnType<ReturnType<typeof createConsumerMachine<Delivery<T>[]>>['provide']>> | null = null;
  private pendingFirst = true;
  private nextPendingAt = 0;
  private lastClaimAt = 0;
  private readonly lastErrors = new Map<string, string>();
  private readonly byKey: Map<string, StreamDef>;
  private stopped: Promise<void> | null = null;
  private readonly o: ConsumerOptions<T>;

  constructor(options: ConsumerOptions<T>) {
    const o = options;
    this.o = o;
    this.byKey = new Map(o.streams.map((d) => [d.key, d]));
  }

  start(): void {
    if (this.actor) return;
    const machine = createConsumerMachine<Delivery<T>[]>().provide({
      actors: {
        prepare: fromPromise(() => this.prepare()),
        read: fromPromise(() => this.read()),
        handle: fromPromise(({ input }) => this.handle(input.batch)),
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

  /** The machine's current state name (for tests and `attune streams`). */
  state(): string {
    return String(this.actor?.getSnapshot().value ?? 'idle');
  }

  /** Stops reading, finishes the batch in hand (and, in manual mode, the work in flight). */
  async stop(): Promise<void> {
    if (!this.actor) return;
    this.actor.send({ type: 'STOP' });
    await this.stopped;
    this.o.blocking.disconnect();
  }

  /** Acks handled entries, one XACK per stream. */
  async ack(batch: readonly Delivery<T>[]): Promise<void> {
    if (batch.length === 0) return;
    const byStream = new Map<string, string[]>();
    for (const d of batch) {
      const ids = byStream.get(d.def.key) ?? [];
      ids.push(d.entryId);
      byStream.set(d.def.key, ids);
      this.lastErrors.delete(d.entryId);
    }
    await Promise.all([...byStream].map(([key, ids]) => this.o.redis.xack(key, this.o.group, ...ids)));
  }

  /** Moves one entry to the dead stream and acks it, atomically. */
  async deadLetter(def: StreamDef, entryId: string, fields: string[] | null, error: string, deliveries: number): Promise<void> {
    const dead = this.o.catalog.dead;
    const payload = {
      origin: def.key,
      originType: def.type,
      originId: entryId,
      group: this.o.group,
      consumer: this.o.consumer,
      error,
      deliveries,
      fields: fields ? fieldsToObject(fields) : {},
    };
    const orig = fields ? fieldsToObject(fields) : {};
    await this.o.redis.deadLetter(
      def.key,
      dead.key,
      this.o.group,
      entryId,
      this.o.deadMaxLen,
      'type',
      dead.type,
      'id',
      newId(),
      'trace',
      orig.trace ?? newId(),
      'at',
      new Date().toISOString(),
      'origin',
      def.key,
      'error',
      error,
      'payload',
      JSON.stringify(payload),
    );
    this.lastErrors.delete(entryId);
    this.o.log.warn({ stream: def.key, entryId, deliveries, error, trace: orig.trace }, 'message moved to the dead stream');
  }

  private async prepare(): Promise<void> {
    for (const def of this.o.streams) await this.ensureGroup(def);
  }

  private async ensureGroup(def: StreamDef): Promise<void> {
    try {
      // From `0`, not `$`: entries written before the group existed are not lost.
      await this.o.redis.xgroup('CREATE', def.key, this.o.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  private async read(): Promise<Delivery<T>[]> {
    const { settings } = this.o;
    let count = settings.batchSize;
    if (this.o.capacity) {
      const free = this.o.capacity();
      if (free <= 0) {
        await this.o.waitForCapacity?.(settings.blockMs);
        return [];
      }
      count = Math.min(count, free);
    }
    try {
      const now = Date.now();
      if (now - this.lastClaimAt >= settings.claimEveryMs) {
        const claimed = await this.claimIdle(count);
        if (claimed.length < count) this.lastClaimAt = now;
        if (claimed.length > 0) return claimed;
      }
      if (this.pendingFirst && now >= this.nextPendingAt) {
        const reply = (await this.o.blocking.xreadgroup(
          'GROUP', this.o.group, this.o.consumer, 'COUNT', count,
          'STREAMS', ...this.o.streams.map((d) => d.key), ...this.o.streams.map(() => '0'),
        )) as StreamReply | null;
        const pending = await this.accept(reply, true);
        if (pending.total > 0) return pending.batch;
        this.pendingFirst = false;
      }
      const reply = await this.blockingRead(count);
      return (await this.accept(reply, false)).batch;
    } catch (err) {
      if (String((err as Error).message).includes('NOGROUP')) {
        // The stream or group vanished (a Redis that lost its data): recreate and read again.
        this.o.log.warn({ streams: this.o.streams.map((d) => d.key) }, 'consumer group missing, recreating it');
        await this.prepare();
        return [];
      }
      throw err;
    }
  }

  /** XREADGROUP … BLOCK, with a watchdog: a read that outlives its block time is a hung connection. */
  private async blockingRead(count: number): Promise<StreamReply | null> {
    const { blockMs } = this.o.settings;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.o.log.warn({ blockMs }, 'blocking read hung past its deadline: reconnecting');
        this.o.blocking.disconnect(true);
        reject(Object.assign(new Error('blocking read hung; connection restarted'), { code: 'ECONNRESET' }));
      }, blockMs + HUNG_READ_GRACE_MS);
    });
    try {
      return (await Promise.race([
        this.o.blocking.xreadgroup(
          'GROUP', this.o.group, this.o.consumer, 'COUNT', count, 'BLOCK', blockMs,
          'STREAMS', ...this.o.streams.map((d) => d.key), ...this.o.streams.map(() => '>'),
        ),
        watchdog,
      ])) as StreamReply | null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes over entries idle longer than `claimIdleMs` in any consumer's pending list. */
  private async claimIdle(count: number): Promise<Delivery<T>[]> {
    const out: Delivery<T>[] = [];
    for (const def of this.o.streams) {
      const res = (await this.o.redis.xautoclaim(def.key, this.o.group, this.o.consumer, this.o.settings.claimIdleMs, '0-0', 'COUNT', count)) as [
        string,
        RawEntry[],
        string[]?,
      ];
      const entries = res[1];
      if (entries.length === 0) continue;
      this.o.log.info({ stream: def.key, count: entries.length }, 'claimed idle entries of another consumer');
      const accepted = await this.accept([[def.key, entries]], true);
      out.push(...accepted.batch);
    }
    return out;
  }

  /** Decodes entries; dead-letters the poison ones; returns the rest. */
  private async accept(reply: StreamReply | null, redelivered: boolean): Promise<{ batch: Delivery<T>[]; total: number }> {
    const batch: Delivery<T>[] = [];
    let total = 0;
    for (const [key, entries] of reply ?? []) {
      const def = this.byKey.get(key);
      if (!def || entries.length === 0) continue;
      total += entries.length;
      const counts = redelivered ? await this.deliveryCounts(def, entries) : null;
      for (const [entryId, fields] of entries) {
        const deliveries = counts?.get(entryId) ?? 1;
        if (fields === null) {
          // Trimmed or deleted while pending: nothing left to handle.
          await this.o.redis.xack(def.key, this.o.group, entryId);
          this.o.log.warn({ stream: key, entryId }, 'pending entry no longer exists in the stream; acked');
          continue;
        }
        if (deliveries > this.o.settings.maxDeliveries) {
          const last = this.lastErrors.get(entryId);
          await this.deadLetter(def, entryId, fields, `delivered ${deliveries} times (max ${this.o.settings.maxDeliveries})${last ? `; last error: ${last}` : ''}`, deliveries);
          continue;
        }
        const decoded = decode(def, fields, this.o.settings.maxPayloadBytes);
        if (!decoded.ok) {
          await this.deadLetter(def, entryId, fields, decoded.error, deliveries);
          continue;
        }
        batch.push({ def, entryId, message: decoded.message as Envelope<T>, deliveries });
      }
    }
    return { batch, total };
  }

  private async deliveryCounts(def: StreamDef, entries: RawEntry[]): Promise<Map<string, number>> {
    const first = entries[0]?.[0] as string;
    const last = entries[entries.length - 1]?.[0] as string;
    const rows = (await this.o.redis.xpending(def.key, this.o.group, first, last, entries.length + 10, this.o.consumer)) as [
      string,
      string,
      number,
      number,
    ][];
    return new Map(rows.map(([id, , , n]) => [id, Number(n)]));
  }

  private async handle(batch: Delivery<T>[]): Promise<void> {
    try {
      await withDeadline(this.o.handle(batch), HANDLE_DEADLINE_MS);
    } catch (err) {
      if (isTransient(err)) throw err;
      await this.handleOneByOne(batch, toError(err));
      return;
    }
    if (this.o.ackMode === 'manual') return;
    crashPoint({ crashAt: this.o.crashAt ?? null }, `${this.o.name}.before-ack`);
    await this.ack(batch);
  }

  /** A batch failed for a reason of its own: find the culprit(s), ack the rest. */
  private async handleOneByOne(batch: Delivery<T>[], batchError: Error): Promise<void> {
    if (batch.length > 1) this.o.log.warn({ err: batchError.message, size: batch.length }, 'batch failed; handling its messages one by one');
    let failed = 0;
    for (const d of batch) {
      try {
        if (batch.length > 1) await this.o.handle([d]);
        else throw batchError;
        if (this.o.ackMode !== 'manual') await this.ack([d]);
      } catch (err) {
        if (isTransient(err)) throw err;
        const e = toError(err);
        failed++;
        this.lastErrors.set(d.entryId, e.message);
        this.o.log.error({ err: e.message, stream: d.def.key, entryId: d.entryId, deliveries: d.deliveries, trace: d.message.trace }, 'message handling failed; it will be retried');
        const retryIn = Math.min(30_000, 500 * 2 ** (d.deliveries - 1));
        this.nextPendingAt = Math.max(this.nextPendingAt, Date.now() + retryIn);
      }
    }
    if (failed > 0) this.pendingFirst = true;
  }
}
