/** Server-sent events on a hijacked reply: headers, `event:`/`data:` frames, a keep-alive comment, cleanup on close. */
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Send = (event: string, data: unknown, id?: string) => void;

const KEEPALIVE_MS = 15_000;

/** Streams what `produce` sends until it returns or the client goes; `abort` fires when the client goes. */
export async function sendEvents(req: FastifyRequest, reply: FastifyReply, abort: AbortController, produce: (send: Send) => Promise<void>): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': connected\n\n');
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  const onClose = () => abort.abort();
  req.raw.socket.once('close', onClose);
  const send: Send = (event, data, id) => {
    if (!res.writableEnded) res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  try {
    await produce(send);
  } catch (err) {
    send('error', { error: err instanceof Error ? err.message : String(err) });
  } finally {
    clearInterval(keepalive);
    req.raw.socket.off('close', onClose);
    res.end();
  }
}
