/**
 * Server-sent events on a hijacked reply: headers, `event:`/`data:` frames, a keep-alive comment,
 * cleanup on close, and a bound on what a slow subscriber costs. What the socket has not taken yet
 * waits in the response's buffer (`writableLength`); once that passes `webhook.sseBufferBytes`
 * the subscriber is dropped: it gets a last `overflow` event, the stream ends, and the socket is
 * destroyed if it has not drained `OVERFLOW_GRACE_MS` later. An EventSource reconnects by itself;
 * the output feed resumes from `Last-Event-ID`, a status-feed client re-reads what it shows.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Send = (event: string, data: unknown, id?: string) => void;

const KEEPALIVE_MS = 15_000;
/** How long a dropped subscriber has to read its last events before its socket is destroyed. */
export const OVERFLOW_GRACE_MS = 5_000;

/** The SSE subscribers of one server: the limit, who is open, and how many were dropped per feed. */
export interface SseFeeds {
  readonly maxBufferBytes: number;
  readonly dropped: Map<string, number>;
  /** Open subscribers and the bytes waiting in their buffers, now. */
  buffered(): { subscribers: number; bytes: number };
  /** Streams what `produce` sends until it returns, the client goes, or it falls too far behind; `abort` fires in the last two cases. */
  stream(feed: string, req: FastifyRequest, reply: FastifyReply, abort: AbortController, produce: (send: Send) => Promise<void>): Promise<void>;
}

export function createSseFeeds(maxBufferBytes: number): SseFeeds {
  const open = new Set<ServerResponse>();
  const dropped = new Map<string, number>();
  return {
    maxBufferBytes,
    dropped,
    buffered: () => ({ subscribers: open.size, bytes: [...open].reduce((n, res) => n + res.writableLength, 0) }),
    async stream(feed, req, reply, abort, produce) {
      reply.hijack();
      const res = reply.raw;
      const socket = req.raw.socket;
      open.add(res);
      let overflowed = false;
      const write = (frame: string) => {
        if (overflowed || res.writableEnded) return;
        res.write(frame);
        if (res.writableLength <= maxBufferBytes) return;
        overflowed = true;
        dropped.set(feed, (dropped.get(feed) ?? 0) + 1);
        const waiting = res.writableLength;
        res.write(
          `event: overflow\ndata: ${JSON.stringify({ error: `too slow: ${waiting} bytes unread, the limit is ${maxBufferBytes}`, waiting, maxBufferBytes })}\n\n`,
        );
        abort.abort();
      };
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      write(': connected\n\n');
      const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS);
      const onClose = () => abort.abort();
      socket.once('close', onClose);
      const send: Send = (event, data, id) => write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      try {
        if (!abort.signal.aborted) await produce(send);
      } catch (err) {
        send('error', { error: err instanceof Error ? err.message : String(err) });
      } finally {
        clearInterval(keepalive);
        socket.off('close', onClose);
        res.end();
        // Until it closes, what it has not read still counts. An overflowed one gets OVERFLOW_GRACE_MS to read it, and its connection is not kept alive.
        const kill = overflowed ? setTimeout(() => socket.destroy(), OVERFLOW_GRACE_MS).unref() : undefined;
        if (overflowed) res.once('finish', () => socket.end());
        const done = () => {
          clearTimeout(kill);
          open.delete(res);
        };
        if (res.closed || socket.destroyed) done();
        else res.once('close', done);
      }
    },
  };
}
