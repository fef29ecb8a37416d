/** Redis connections and the Lua commands the streams layer defines on them. */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
const deadLetterLua = lua('dead-letter');
const publishLua = lua('publish');
const trimAckedLua = lua('trim-acked');
const forgetConsumerLua = lua('forget-consumer');

export type AttuneRedis = Redis & {
  deadLetter(origin: string, dead: string, group: string, entryId: string, maxLen: number, ...fields: string[]): Promise<number>;
  /** XADD unless the stream holds `ceiling` entries (error `BACKPRESSURE <length>`), one round trip. */
  publishCapped(stream: string, ceiling: number, ...fields: string[]): Promise<string>;
  /** XTRIM MINID up to the oldest entry one of the stream's groups has not acked; returns how many went. */
  trimAcked(stream: string): Promise<number>;
  /** XGROUP DELCONSUMER if the consumer holds nothing: 1 removed, 0 kept (holds entries), -1 no stream/group. */
  forgetConsumer(stream: string, group: string, consumer: string): Promise<number>;
};

/**
 * A command connection: auto-pipelined (commands issued in one tick share a round trip),
 * reconnecting for ever with a capped back-off.
 */
export function createRedis(url: string, name: string, options: { autoPipelining?: boolean } = {}): AttuneRedis {
  const redis = new Redis(url, {
    connectionName: name,
    enableAutoPipelining: options.autoPipelining ?? true,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    lazyConnect: false,
  });
  // Errors surface through the failing commands; the event only needs a listener.
  redis.on('error', () => {});
  redis.defineCommand('deadLetter', { numberOfKeys: 2, lua: deadLetterLua });
  redis.defineCommand('publishCapped', { numberOfKeys: 1, lua: publishLua });
  redis.defineCommand('trimAcked', { numberOfKeys: 1, lua: trimAckedLua });
  redis.defineCommand('forgetConsumer', { numberOfKeys: 1, lua: forgetConsumerLua });
  return redis as AttuneRedis;
}

/** A dedicated connection for blocking reads (a blocked connection can do nothing else). */
export function createBlockingRedis(url: string, name: string): AttuneRedis {
  return createRedis(url, name, { autoPipelining: false });
}
