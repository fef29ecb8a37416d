/**
 * What a publisher knows of the length of the grouped streams it writes to, so that the hot path
 * stays one plain XADD: the length read by an `XLEN` sent beside the XADDs of the same tick (no
 * round trip of its own), at most every `refreshMs`, plus the entries this process added since.
 * A stream known to be below `ROOMY` of its ceiling takes a plain XADD; nearer the ceiling (or not
 * known lately: a quiet stream) the publisher takes the exact path (`publish.lua`: XLEN and XADD in one script). Other
 * processes' entries are seen at the next refresh, so the ceiling holds exactly unless they add
 * more than the last tenth of it within one refresh period; nothing unread is ever cut either way.
 */
import type { Redis } from 'ioredis';

const ROOMY = 0.9;

interface Known {
  length: number;
  readAt: number;
  refreshing: boolean;
  /** Entries this process added to the stream since it was created: the offset of a refresh. */
  added: number;
}

export class LengthCache {
  private readonly known = new Map<string, Known>();
  private readonly redis: Redis;
  private readonly ceiling: number;
  private readonly refreshMs: number;

  constructor(redis: Redis, ceiling: number, refreshMs = 250) {
    this.redis = redis;
    this.ceiling = ceiling;
    this.refreshMs = refreshMs;
  }

  /** True when a plain XADD cannot pass the ceiling; starts a refresh when the length is old. */
  roomy(key: string): boolean {
    let k = this.known.get(key);
    if (!k) {
      k = { length: Number.POSITIVE_INFINITY, readAt: 0, refreshing: false, added: 0 };
      this.known.set(key, k);
    }
    const age = Date.now() - k.readAt;
    if (!k.refreshing && age >= this.refreshMs) this.refresh(key, k);
    // A length read long ago (the stream was quiet) is not trusted: the exact path, once.
    return k.length < this.ceiling * ROOMY && age < this.refreshMs * 4;
  }

  /** One entry was added by this process. */
  added(key: string): void {
    const k = this.known.get(key);
    if (!k) return;
    k.added++;
    k.length++;
  }

  /** The exact length, as the script reported it (the stream is full). */
  full(key: string, length: number): void {
    const k = this.known.get(key);
    if (k) k.length = length;
  }

  private refresh(key: string, k: Known): void {
    k.refreshing = true;
    const addedBefore = k.added;
    this.redis.xlen(key).then(
      (length) => {
        // The XLEN went out after the XADDs already sent: count only the ones sent after it.
        k.length = length + (k.added - addedBefore);
        k.readAt = Date.now();
        k.refreshing = false;
      },
      () => {
        k.refreshing = false; // the next publish tries again; meanwhile the exact path is taken
        k.length = Number.POSITIVE_INFINITY;
      },
    );
  }
}
