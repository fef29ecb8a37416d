/**
 * The handling side of a consumer: a batch goes to the handler under a deadline, and is acked in
 * one round trip once the handler has committed its effects. A batch that fails for a reason of
 * its own (not a transient one) is handled again one message at a time, under the same deadline,
 * to find the culprit(s): the others are acked, each culprit stays pending and is retried after a
 * back-off, until it is delivered too often and goes to the dead stream.
 */
import { crashPoint } from '../crash-point.ts';
import { isTransient, toError } from '../errors.ts';
import type { ConsumerOptions, Delivery, RetryLedger } from './consumer-types.ts';

/**
 * Handling that has not settled after this long is given up and retried as after a transient
 * error: a query on a connection that died can be left unsettled by the client. The default of
 * `consumer.handleDeadlineMs` (ATTUNE_CONSUMER_HANDLE_DEADLINE_MS).
 */
export const HANDLE_DEADLINE_MS = 120_000;

export function withDeadline<V>(work: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`handling did not settle within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class BatchHandler<T> {
  private readonly o: ConsumerOptions<T>;
  private readonly ledger: RetryLedger;
  private readonly ack: (batch: readonly Delivery<T>[]) => Promise<void>;
  private readonly deadlineMs: number;

  constructor(o: ConsumerOptions<T>, ledger: RetryLedger, ack: (batch: readonly Delivery<T>[]) => Promise<void>) {
    this.o = o;
    this.ledger = ledger;
    this.ack = ack;
    this.deadlineMs = o.handleDeadlineMs ?? o.settings.handleDeadlineMs ?? HANDLE_DEADLINE_MS;
  }

  /** Handles and (in auto mode) acks a batch; a transient error is thrown, to retry the batch. */
  async handle(batch: Delivery<T>[]): Promise<void> {
    try {
      await withDeadline(this.o.handle(batch), this.deadlineMs);
    } catch (err) {
      if (isTransient(err)) throw err;
      await this.oneByOne(batch, toError(err));
      return;
    }
    if (this.o.ackMode === 'manual') return;
    crashPoint({ crashAt: this.o.crashAt ?? null }, `${this.o.name}.before-ack`);
    await this.ack(batch);
  }

  /** A batch failed for a reason of its own: find the culprit(s), ack the rest. */
  private async oneByOne(batch: Delivery<T>[], batchError: Error): Promise<void> {
    if (batch.length > 1) this.o.log.warn({ err: batchError.message, size: batch.length }, 'batch failed; handling its messages one by one');
    let failed = 0;
    for (const d of batch) {
      try {
        if (batch.length > 1) await withDeadline(this.o.handle([d]), this.deadlineMs);
        else throw batchError;
        if (this.o.ackMode !== 'manual') await this.ack([d]);
      } catch (err) {
        if (isTransient(err)) throw err;
        const e = toError(err);
        failed++;
        this.ledger.failed(d.entryId, d.deliveries, e.message);
        this.o.log.error(
          { err: e.message, stream: d.def.key, entryId: d.entryId, deliveries: d.deliveries, trace: d.message.trace },
          'message handling failed; it will be retried',
        );
      }
    }
    if (failed > 0) this.ledger.pendingFirst = true;
  }
}
