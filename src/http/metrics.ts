/**
 * `/metrics` (Prometheus text, prom-client): gauges read at scrape time (executions by action and
 * status, stream length/lag/pending per group, dead letters, live workers and their load) and
 * histograms fed by the status-change feed (queue wait and run duration of executions that ended
 * while this server ran), and the SSE subscribers: open, bytes they left unread, dropped for not reading.
 */
import client from 'prom-client';
import type { Attune } from '../attune.ts';
import type { ExecutionChange } from '../facade/schemas.ts';
import type { SseFeeds } from './sse.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'timeout', 'canceled', 'abandoned']);
const buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export interface Metrics {
  registry: client.Registry;
  /** Feed of status changes: observes queue wait on `running` and duration on an end. */
  observe(change: ExecutionChange): void;
}

export function createMetrics(attune: Attune, countByActionStatus: () => Promise<{ action: string; status: string; n: number }[]>, sse: SseFeeds): Metrics {
  const registry = new client.Registry();
  const g = (name: string, help: string, labelNames: string[], collect: (gauge: client.Gauge) => Promise<void>) =>
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  g('attune_executions', 'Stored executions by action and status', ['action', 'status'], async (gauge) => {
    for (const r of await countByActionStatus()) gauge.set({ action: r.action, status: r.status }, r.n);
  });
  const streams = async () => attune.streams();
  g('attune_stream_length', 'Entries in each stream', ['stream'], async (gauge) => {
    for (const s of await streams()) gauge.set({ stream: s.type }, s.length);
  });
  g('attune_stream_group_lag', 'Entries not yet delivered to the group', ['stream', 'group'], async (gauge) => {
    for (const s of await streams()) for (const gr of s.groups) if (gr.lag !== null) gauge.set({ stream: s.type, group: gr.name }, gr.lag);
  });
  g('attune_stream_group_pending', 'Entries delivered but not acked', ['stream', 'group'], async (gauge) => {
    for (const s of await streams()) for (const gr of s.groups) gauge.set({ stream: s.type, group: gr.name }, gr.pending);
  });
  g('attune_dead_letters', 'Entries on the dead stream', [], async (gauge) => {
    gauge.set((await streams()).find((s) => s.type === 'dead')?.length ?? 0);
  });
  g('attune_workers_live', 'Workers with a fresh heartbeat', [], async (gauge) => {
    gauge.set((await attune.workers()).filter((w) => w.live).length);
  });
  g('attune_worker_running', 'Executions running on each live worker', ['worker'], async (gauge) => {
    for (const w of await attune.workers()) if (w.live) gauge.set({ worker: w.id }, w.running);
  });
  g('attune_sse_subscribers', 'Open server-sent-event streams', [], async (gauge) => {
    gauge.set(sse.buffered().subscribers);
  });
  g('attune_sse_buffered_bytes', 'Bytes written to SSE streams that their clients have not read yet', [], async (gauge) => {
    gauge.set(sse.buffered().bytes);
  });
  new client.Counter({
    name: 'attune_sse_dropped_total',
    help: 'SSE subscribers dropped for leaving more than webhook.sseBufferBytes unread',
    labelNames: ['feed'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [feed, n] of sse.dropped) this.inc({ feed }, n);
    },
  });
  const queueWait = new client.Histogram({
    name: 'attune_execution_queue_wait_seconds',
    help: 'Requested to running',
    labelNames: ['action'],
    buckets,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'attune_execution_duration_seconds',
    help: 'Running to the end',
    labelNames: ['action', 'status'],
    buckets,
    registers: [registry],
  });
  return {
    registry,
    observe(c) {
      if (c.status === 'running' && c.queueMs !== null) queueWait.observe({ action: c.action }, c.queueMs / 1000);
      if (TERMINAL.has(c.status) && c.durationMs !== null) duration.observe({ action: c.action, status: c.status }, c.durationMs / 1000);
    },
  };
}
