/**
 * `core.http`: an HTTP request with Node's fetch, an in-process handler every worker registers
 * by default. Result: `{ status, ok, headers, body }`, plus `json` when the body parses as JSON.
 * A response with any status is a success of the action (as StackStorm's http runner); a
 * network error or a bad URL fails it with the reason.
 */
import { z } from 'zod';
import type { InProcessHandler } from '../runtimes/types.ts';
import { issuesLine } from '../errors.ts';

const httpParams = z.object({
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
});

export const coreHttp: InProcessHandler = async (params, ctx) => {
  const p = httpParams.safeParse(params);
  if (!p.success) throw new Error(`core.http: ${issuesLine(p.error)}`);
  const { url, method, headers, body } = p.data;
  const res = await fetch(url, { method: method.toUpperCase(), headers, body, signal: ctx.signal, redirect: 'follow' });
  const text = await res.text();
  const out: Record<string, unknown> = { status: res.status, ok: res.ok, headers: Object.fromEntries(res.headers.entries()), body: text };
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      out.json = JSON.parse(text);
    } catch {
      // Not JSON after all: `body` has the text.
    }
  }
  return out;
};
