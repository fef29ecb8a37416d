/** Redis connections and the Lua commands the streams layer defines on them. */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const deadLetterLua = readFileSync(new URL('./lua/dead-letter.lua', import.meta.url), 'utf8');

export type AttuneRedis = Redis & {
  deadLetter(origin: string, dead: string, group: string, entryId: string, maxLen: number, ...fields: string[]): Promise<number>;
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
  return redis as AttuneRedis;
}

/** A dedicated connection for blocking reads (a blocked connection can do nothing else). */
export function createBlockingRedis(url: string, name: string): AttuneRedis {
  return createRedis(url, name, { autoPipelining: false });
}
