/** W3C Trace Context: the trace id of a `traceparent` header becomes the execution's trace. */
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

export function traceFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers.traceparent;
  const m = typeof h === 'string' ? TRACEPARENT.exec(h.trim().toLowerCase()) : null;
  return m?.[1] && !/^0+$/.test(m[1]) ? m[1] : undefined;
}
