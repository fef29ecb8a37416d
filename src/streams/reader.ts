/**
 * The reading side of a consumer: its own pending entries first (after a restart or a failed
 * handling), then new ones, in batches (`COUNT`), on a dedicated blocking connection; entries idle
 * in other consumers' pending lists taken over with `XAUTOCLAIM`; entries that fail their schema,
 * or were delivered more than `maxDeliveries` times, moved to the dead stream.
 */
import type { StreamDef } from './catalog.ts';
import { decode, type Envelope } from './codec.ts';
import type { ConsumerOptions, Delivery, RawEntry, RetryLedger, StreamReply } from './consumer-types.ts';
import { moveToDead, type DeadLetterTarget } from './dead-letter.ts';

/** A blocking read still unanswered this long after its block time is on a hung connection. */
const HUNG_READ_GRACE_MS = 10_000;

export class EntryReader<T> {
  private lastClaimAt = 0;
  private readonly byKey: Map<string, StreamDef>;
  private readonly o: ConsumerOptions<T>;
  private readonly ledger: RetryLedger;
  private readonly dead: DeadLetterTarget;

  constructor(o: ConsumerOptions<T>, ledger: RetryLedger) {
    this.o = o;
    this.ledger = ledger;
    this.byKey = new Map(o.streams.map((d) => [d.key, d]));
    this.dead = { redis: o.redis, dead: o.catalog.dead, group: o.group, consumer: o.consumer, maxLen: o.deadMaxLen, log: o.log };
  }

  /** Creates the group on every stream (from `0`) unless it exists. */
  async prepare(): Promise<void> {
    for (const def of this.o.streams) await this.ensureGroup(def);
  }

  /** The next batch to handle; empty when nothing came within the block time (or no capacity). */
  async read(): Promise<Delivery<T>[]> {
    const { settings } = this.o;
    const ledger = this.ledger;
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
      if (ledger.pendingFirst && now >= ledger.nextPendingAt) {
        const reply = (await this.o.blocking.xreadgroup(
          'GROUP',
          this.o.group,
          this.o.consumer,
          'COUNT',
          count,
          'STREAMS',
          ...this.o.streams.map((d) => d.key),
          ...this.o.streams.map(() => '0'),
        )) as StreamReply | null;
        const pending = await this.accept(reply, true);
        if (pending.total > 0) return pending.batch;
        ledger.pendingFirst = false;
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

  private async ensureGroup(def: StreamDef): Promise<void> {
    try {
      // From `0`, not `$`: entries written before the group existed are not lost.
      await this.o.redis.xgroup('CREATE', def.key, this.o.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
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
          'GROUP',
          this.o.group,
          this.o.consumer,
          'COUNT',
          count,
          'BLOCK',
          blockMs,
          'STREAMS',
          ...this.o.streams.map((d) => d.key),
          ...this.o.streams.map(() => '>'),
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
    const { maxDeliveries, maxPayloadBytes } = this.o.settings;
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
        if (deliveries > maxDeliveries) {
          const last = this.ledger.lastError(entryId);
          await this.deadLetter(def, entryId, fields, `delivered ${deliveries} times (max ${maxDeliveries})${last ? `; last error: ${last}` : ''}`, deliveries);
          continue;
        }
        const decoded = decode(def, fields, maxPayloadBytes);
        if (!decoded.ok) {
          await this.deadLetter(def, entryId, fields, decoded.error, deliveries);
          continue;
        }
        batch.push({ def, entryId, message: decoded.message as Envelope<T>, deliveries });
      }
    }
    return { batch, total };
  }

  private async deadLetter(def: StreamDef, entryId: string, fields: string[], error: string, deliveries: number): Promise<void> {
    await moveToDead(this.dead, def, entryId, fields, error, deliveries);
    this.ledger.forget(entryId);
  }

  private async deliveryCounts(def: StreamDef, entries: RawEntry[]): Promise<Map<string, number>> {
    const first = entries[0]?.[0] as string;
    const last = entries[entries.length - 1]?.[0] as string;
    const rows = (await this.o.redis.xpending(def.key, this.o.group, first, last, entries.length + 10, this.o.consumer)) as [string, string, number, number][];
    return new Map(rows.map(([id, , , n]) => [id, Number(n)]));
  }
}
