/**
 * Live output: a running action's stdout/stderr go, line by line, onto the execution's output
 * stream (key catalog `executionLiveOutput`), masked like the stored result, so that `attune execution
 * tail`, the SSE endpoint and `attune.executions.watch()` follow it while it runs. Best effort: a
 * failed write is logged and never fails the execution; the stored result stays the record. An
 * action that prints nothing (an in-process no-op, say) costs no Redis write and leaves no key.
 */
import type { Logger } from 'pino';
import { maskDeep } from '../../actions/secrets.ts';
import type { AttuneContext } from '../../context.ts';
import { toError } from '../../errors.ts';
import type { OutputListener } from '../../runtimes/types.ts';

/** How long the output stream stays after the end (and, as a safety net, after the last write). */
export const LIVE_OUTPUT_TTL_S = 3600;
const MAX_ENTRIES = 10_000;
/** A partial line (no newline yet) is sent after this long. */
const FLUSH_PARTIAL_MS = 200;

export interface LiveOutput {
  push: OutputListener;
  /** Flushes what is left and writes the `end` entry with the final status. */
  end(status: string): Promise<void>;
}

export function liveOutput(ctx: AttuneContext, executionId: number, hide: readonly string[], log: Logger): LiveOutput {
  const key = ctx.keys.executionLiveOutput(executionId);
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** Whether the stream exists: an action that printed nothing gets no stream (and no `end` entry). */
  let wrote = false;

  const write = (fd: string, data: string): void => {
    wrote = true;
    const text = fd === 'end' ? data : maskDeep(data, hide);
    chain = chain
      .then(async () => {
        await ctx.redis.multi().xadd(key, 'MAXLEN', '~', MAX_ENTRIES, '*', 'fd', fd, 'data', text).expire(key, LIVE_OUTPUT_TTL_S).exec();
      })
      .catch((err: unknown) => log.warn({ err: toError(err).message, executionId }, 'live output not written'));
  };
  const flush = (): void => {
    timer = undefined;
    for (const fd of ['stdout', 'stderr'] as const) {
      if (partial[fd]) write(fd, partial[fd]);
      partial[fd] = '';
    }
  };

  return {
    push(fd, chunk) {
      const text = partial[fd] + chunk;
      const cut = text.lastIndexOf('\n');
      partial[fd] = text.slice(cut + 1);
      if (cut >= 0) write(fd, text.slice(0, cut + 1));
      if (partial[fd] && !timer) timer = setTimeout(flush, FLUSH_PARTIAL_MS);
    },
    async end(status) {
      clearTimeout(timer);
      flush();
      if (wrote) write('end', status); // a reader of an execution without output stops on its final status
      await chain;
    },
  };
}
