/** The API client: the key kept in localStorage, JSON calls, and server-sent event streams (`?key=`). */
import { useCallback, useEffect, useState } from 'preact/hooks';

const KEY = 'attune.apiKey';

export const savedKey = (): string | null => localStorage.getItem(KEY);
export const saveKey = (key: string | null): void => (key ? localStorage.setItem(KEY, key) : localStorage.removeItem(KEY));

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Dispatched on `window` when the server refuses the saved key (401): the app asks for a key again. */
export const KEY_REFUSED = 'attune:key-refused';

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${savedKey() ?? ''}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new ApiError(`cannot reach the Attune server (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  let json: (T & { error?: string }) | null = null;
  try {
    json = text ? (JSON.parse(text) as T & { error?: string }) : null;
  } catch {
    if (res.ok) throw new ApiError(`${method} ${path}: the server answered with something that is not JSON`, res.status);
  }
  if (!res.ok) {
    const error = new ApiError(json?.error ?? `${res.status} ${res.statusText}`, res.status);
    if (res.status === 401) dispatchEvent(new CustomEvent(KEY_REFUSED, { detail: error.message }));
    throw error;
  }
  return json!;
}

/**
 * An SSE stream: `on[event]` gets each event's parsed data. Returns a function that closes it.
 * `reopened` runs when the browser reconnected (after a network error, or the server dropping a
 * subscriber that fell behind with `event: overflow`): changes in between were missed, so reload.
 * `connected` is told whether the stream is open now (false while the browser retries).
 */
export function listen(
  path: string,
  on: Record<string, (data: unknown, id: string) => void>,
  reopened?: () => void,
  connected?: (open: boolean) => void,
): () => void {
  const sep = path.includes('?') ? '&' : '?';
  const source = new EventSource(`/api/v1${path}${sep}key=${encodeURIComponent(savedKey() ?? '')}`);
  let opened = 0;
  source.addEventListener('open', () => {
    connected?.(true);
    if (opened++ > 0) reopened?.();
  });
  source.addEventListener('error', () => connected?.(false));
  for (const [event, handle] of Object.entries(on)) {
    source.addEventListener(event, (e) => {
      const m = e as MessageEvent<string>;
      handle(JSON.parse(m.data), m.lastEventId);
    });
  }
  return () => source.close();
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Loads `path` (GET) when it changes; `reload()` loads it again. */
export function useGet<T>(path: string): Loaded<T> {
  // Data is kept with the path it came from: after a filter change, the rows of the old filter are not shown as the new one's.
  const [loaded, setLoaded] = useState<{ path: string; data: T } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    api<T>('GET', path).then(
      (data) => live && (setLoaded({ path, data }), setError(null)),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { data: loaded?.path === path ? loaded.data : null, error, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** Runs a write and reports its error; returns a runner for buttons. */
export function useAction(after?: () => void): {
  busy: boolean;
  error: string | null;
  run: (method: string, path: string, body?: unknown) => Promise<unknown>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (method: string, path: string, body?: unknown) => {
    setBusy(true);
    setError(null);
    try {
      const out = await api<unknown>(method, path, body);
      after?.();
      return out;
    } catch (e) {
      setError((e as Error).message);
      return null;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
