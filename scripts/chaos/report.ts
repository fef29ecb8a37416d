/** What a chaos run counts in Postgres and Redis, and the table it prints. */
import { readFile } from 'node:fs/promises';
import type { Attune } from '../../src/index.ts';
import { backlog } from '../../test/fixtures/settle.ts';
import { probe } from '../../test/support.ts';

export interface ChaosReport {
  emitted: number;
  stored: number;
  enforcements: number;
  executions: number;
  byStatus: Record<string, number>;
  actionRuns: number;
  duplicates: { events: number; enforcements: number; executions: number; runs: number };
  missing: { events: number; enforcements: number; executions: number; unfinished: number };
  dead: number;
  /** Dead letters by origin stream type and reason (numbers stripped). */
  deadReasons: Record<string, number>;
  pending: number;
}

/** `emitted`: the dedupe keys of the emitted events. */
export async function measure(attune: Attune, emitted: readonly string[], marksFile: string): Promise<ChaosReport> {
  const sql = probe(attune).sql;
  const [c] = await sql<
    { stored: number; dup_ev: number; enf: number; exe: number; dup_enf: number; dup_exe: number; no_enf: number; no_exe: number; unfinished: number }[]
  >`
    select
      (select count(distinct dedupe_key)::int from event where dedupe_key = any(${emitted as string[]}::text[])) as stored,
      (select coalesce(sum(n - 1), 0)::int from (select count(*) as n from event where dedupe_key = any(${emitted as string[]}::text[]) group by dedupe_key) d) as dup_ev,
      (select count(*)::int from enforcement) as enf,
      (select count(*)::int from execution) as exe,
      (select coalesce(sum(n - 1), 0)::int from (select count(*) as n from enforcement group by event_id) x) as dup_enf,
      (select coalesce(sum(n - 1), 0)::int from (select count(*) as n from execution group by enforcement_id) y) as dup_exe,
      (select count(*)::int from event ev where not exists (select 1 from enforcement en where en.event_id = ev.id)) as no_enf,
      (select count(*)::int from enforcement en where not exists (select 1 from execution ex where ex.enforcement_id = en.id)) as no_exe,
      (select count(*)::int from execution where finished_at is null) as unfinished`;
  const statuses = await sql<{ status: string; n: number }[]>`select status, count(*)::int as n from execution group by status order by status`;
  const marks = (await readFile(marksFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const pending = (await backlog(attune)).total;
  const stored = c?.stored ?? 0;
  return {
    emitted: emitted.length,
    stored,
    enforcements: c?.enf ?? 0,
    executions: c?.exe ?? 0,
    byStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    actionRuns: marks.length,
    duplicates: { events: c?.dup_ev ?? 0, enforcements: c?.dup_enf ?? 0, executions: c?.dup_exe ?? 0, runs: marks.length - new Set(marks).size },
    missing: { events: emitted.length - stored, enforcements: c?.no_enf ?? 0, executions: c?.no_exe ?? 0, unfinished: c?.unfinished ?? 0 },
    ...(await deadSummary(attune)),
    pending,
  };
}

async function deadSummary(attune: Attune): Promise<{ dead: number; deadReasons: Record<string, number> }> {
  const dead = await attune.dlq.list();
  const deadReasons: Record<string, number> = {};
  for (const d of dead) {
    const key = `${d.originType}: ${d.error.replace(/\d+/g, 'N').slice(0, 100)}`;
    deadReasons[key] = (deadReasons[key] ?? 0) + 1;
  }
  return { dead: dead.length, deadReasons };
}

export function totalMissing(r: ChaosReport): number {
  return r.missing.events + r.missing.enforcements + r.missing.executions + r.missing.unfinished;
}
export function totalDuplicates(r: ChaosReport): number {
  return r.duplicates.events + r.duplicates.enforcements + r.duplicates.executions + r.duplicates.runs;
}

export function formatReport(r: ChaosReport, faults: Record<string, string | number>): string {
  const rows: [string, string | number][] = [
    ['events emitted', r.emitted],
    ['events stored', r.stored],
    ['enforcements', r.enforcements],
    ['executions', r.executions],
    ...Object.entries(r.byStatus).map(([s, n]): [string, number] => [`  ${s}`, n]),
    ['action runs', r.actionRuns],
    [
      'duplicates',
      `${totalDuplicates(r)} (events ${r.duplicates.events}, enforcements ${r.duplicates.enforcements}, executions ${r.duplicates.executions}, runs ${r.duplicates.runs})`,
    ],
    [
      'missing',
      `${totalMissing(r)} (events ${r.missing.events}, enforcements ${r.missing.enforcements}, executions ${r.missing.executions}, unfinished ${r.missing.unfinished})`,
    ],
    ['dead letters', r.dead],
    ...Object.entries(r.deadReasons).map(([k, n]): [string, number] => [`  ${k}`, n]),
    ['pending + lag', r.pending],
    ...Object.entries(faults),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
