/**
 * The HTTP API under a large history and many watchers, through `startHttpServer` on a free port
 * with a viewer key, in this process:
 * - list: N executions stored (one `insert … select … from generate_series`, not the pipeline),
 *   then sequential `GET /api/v1/executions?status=…&action=…`, each first page followed by a few
 *   keyset pages (`before` = the previous `next`); p50/p99 of the HTTP round trip, body parsed;
 * - SSE: S subscribers on `/api/v1/events/executions`, then M executions moved `requested` →
 *   `scheduled` by the execution store (the NOTIFY trigger of migration 0041 fires at commit), in
 *   batches at a steady pace; per (subscriber, change) the time from the commit acknowledged to the
 *   frame parsed by the subscriber, and the fraction of pairs delivered.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Sql } from '../../src/db/sql.ts';
import { insertRequested, markScheduled } from '../../src/db/execution-store.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { NOOP_ACTION } from './bench-pack.ts';
import { withEnv, type BenchEnv } from './env.ts';
import { percentile, progress, sleep } from './measure.ts';

/** The stored executions: three actions of the loaded packs, statuses spread independently of them. */
const ACTIONS = ['core.echo', 'core.noop', NOOP_ACTION];
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'timeout', 'canceled', 'abandoned'];
/** The filter of the list scenario: one action in three, one status in ten. */
const FILTER = { status: 'failed', action: 'core.echo' } as const;
const PAGE = 50;
/** Each round is a first page and then this many keyset pages. */
const PAGES_DEEP = 4;
/** The SSE changes: a statement per batch, one batch every PACE_MS. */
const SSE_BATCH = 10;
const PACE_MS = 50;

export interface Latencies {
  p50: number;
  p99: number;
}

export interface SseFigures extends Latencies {
  /** (subscriber, change) pairs received / expected. */
  delivered: number;
}

/**
 * Stores `n` finished-looking executions (or all `requested`) in one statement. Past history, not
 * live changes: `session_replication_role = replica` (this transaction only) skips the NOTIFY
 * trigger, which would queue one notification per row for every listener of the database.
 */
export async function seedExecutions(sql: Sql, n: number, status?: 'requested'): Promise<void> {
  const statuses = status ? [status] : STATUSES;
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into execution (action_ref, parameters, status, trace, worker_id, requested_at, started_at, finished_at, updated_at)
      select (${ACTIONS}::text[])[1 + g % ${ACTIONS.length}], jsonb_build_object('n', g), s.status, md5(g::text),
             case when s.final then 'bench-worker' end, t.at, case when s.final then t.at end, case when s.final then t.at + interval '1 second' end,
             case when s.final then t.at + interval '1 second' else t.at end
      from generate_series(1, ${n}::int) g,
           lateral (select (${statuses}::text[])[1 + g % ${statuses.length}] as status, ${!status}::boolean as final) s,
           lateral (select now() - (${n}::int - g) * interval '10 ms' as at) t`;
  });
  await sql`analyze execution`;
}

async function withServer<T>(env: BenchEnv, fn: (server: HttpServer, key: string) => Promise<T>): Promise<T> {
  const server = await startHttpServer(env.attune, { port: 0, host: '127.0.0.1', webDir: null });
  try {
    return await fn(server, (await env.attune.apiKeys.create('viewer', 'bench')).key);
  } finally {
    await server.stop();
  }
}

const latencies = (ms: number[]): Latencies => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

interface Page {
  items: { id: number; status: string; action_ref: string }[];
  next: number | null;
}

/** `requests` sequential list calls over `rows` stored executions, in rounds of a first page and PAGES_DEEP keyset pages. */
export async function apiList(rows: number, requests: number): Promise<Latencies> {
  // One stored execution in ACTIONS.length × STATUSES.length matches FILTER (failed appears once).
  const minRows = ACTIONS.length * STATUSES.length * PAGE * (PAGES_DEEP + 1);
  if (rows < minRows) throw new Error(`api list: ${rows} rows hold fewer than ${PAGES_DEEP + 1} pages of matches; at least ${minRows}`);
  return withEnv('apilist', async (env) => {
    const t0 = Date.now();
    await seedExecutions(env.probe.sql, rows);
    progress(`api list: ${rows} executions stored and analyzed in ${Date.now() - t0} ms`);
    return withServer(env, async (server, key) => {
      const get = async (before: number | null): Promise<{ ms: number; page: Page }> => {
        const q = new URLSearchParams({ ...FILTER, limit: String(PAGE), ...(before ? { before: String(before) } : {}) });
        const start = performance.now();
        const res = await fetch(`${server.url}/api/v1/executions?${q}`, { headers: { authorization: `Bearer ${key}` } });
        const page = (await res.json()) as Page;
        const ms = performance.now() - start;
        if (res.status !== 200) throw new Error(`api list: HTTP ${res.status}: ${JSON.stringify(page)}`);
        // A bench of wrong or empty answers would be fast and worthless: check what came back.
        const wrong = page.items.find(
          (e, i) =>
            e.status !== FILTER.status || e.action_ref !== FILTER.action || (before !== null && e.id >= before) || (i > 0 && e.id >= page.items[i - 1]!.id),
        );
        if (page.items.length !== PAGE || wrong || page.next === null)
          throw new Error(`api list: unexpected page (${page.items.length} items, next ${page.next})`);
        return { ms, page };
      };
      for (let i = 0; i < 10; i++) await get(null); // warm-up: connections, plans, caches
      const ms: number[] = [];
      while (ms.length < requests) {
        let before: number | null = null;
        for (let depth = 0; depth <= PAGES_DEEP && ms.length < requests; depth++) {
          const r = await get(before);
          ms.push(r.ms);
          before = r.page.next;
        }
      }
      return latencies(ms);
    });
  });
}

/**
 * One SSE client on a plain `node:http` request (fetch's web streams cost several times more CPU
 * per frame, and the subscribers share this process with the server): the arrival time of every
 * `change` frame, by execution id (first arrival).
 */
class Subscriber {
  readonly seen = new Map<number, number>();
  private req: http.ClientRequest | null = null;
  private closed: Promise<void> = Promise.resolve();

  connect(url: string, key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: { authorization: `Bearer ${key}` }, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`sse: HTTP ${res.statusCode}`));
        this.closed = new Promise((done) => res.once('close', done));
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const data = /^event: change\ndata: (.*)$/m.exec(buf.slice(0, cut))?.[1];
            buf = buf.slice(cut + 2);
            if (!data) continue;
            const id = (JSON.parse(data) as { id: number }).id;
            if (!this.seen.has(id)) this.seen.set(id, performance.now());
          }
        });
        resolve();
      });
      // After `close`, the destroyed request reports its own abort: not an error of the feed.
      req.on('error', reject);
      this.req = req;
    });
  }

  async close(): Promise<void> {
    this.req?.destroy();
    await this.closed;
  }
}

/** Polls `done` until it holds or `ms` pass; says which. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** `subscribers` SSE clients, `changes` status changes; delivery latency over every (subscriber, change) pair. */
export async function apiSse(subscribers: number, changes: number): Promise<SseFigures> {
  return withEnv('apisse', async (env) => {
    const { sql } = env.probe;
    await seedExecutions(sql, changes, 'requested');
    const ids = (await sql<{ id: number }[]>`select id from execution order by id`).map((r) => r.id);
    return withServer(env, async (server, key) => {
      const subs = Array.from({ length: subscribers }, () => new Subscriber());
      try {
        await Promise.all(subs.map((s) => s.connect(`${server.url}/api/v1/events/executions`, key)));
        // Warm-up, and proof that every subscriber listens: new executions until one reached them all.
        for (let tries = 0; ; tries++) {
          const { row: e } = await insertRequested(sql, {
            actionRef: NOOP_ACTION,
            parameters: {},
            secrets: null,
            timeoutMs: null,
            trace: 'bench-warmup',
            attempt: 1,
            retryOf: null,
          });
          if (await within(1000, () => subs.every((s) => s.seen.has(e.id)))) break;
          if (tries === 10) throw new Error('sse: the subscribers do not all receive changes');
        }
        const committed = new Map<number, number>();
        const started = performance.now();
        for (let i = 0; i < ids.length; i += SSE_BATCH) {
          await sleep(Math.max(0, started + (i / SSE_BATCH) * PACE_MS - performance.now()));
          const batch = ids.slice(i, i + SSE_BATCH);
          const moved = await markScheduled(sql, batch);
          const at = performance.now();
          if (moved.length !== batch.length) throw new Error(`sse: only ${moved.length} of ${batch.length} executions moved to scheduled`);
          for (const id of batch) committed.set(id, at);
        }
        await within(10_000, () => subs.every((s) => ids.every((id) => s.seen.has(id))));
        const ms: number[] = [];
        for (const s of subs) {
          for (const [id, at] of committed) {
            const got = s.seen.get(id);
            // The notification leaves Postgres at commit, as the acknowledgement does: a frame can
            // beat the ack by a hair, which counts as 0.
            if (got !== undefined) ms.push(Math.max(0, got - at));
          }
        }
        return { ...latencies(ms), delivered: ms.length / (subscribers * ids.length) };
      } finally {
        await Promise.all(subs.map((s) => s.close()));
      }
    });
  });
}
