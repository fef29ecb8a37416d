/** The bench's figures and their table. */

export interface Figure {
  key: string;
  label: string;
  value: number;
  unit: string;
  /** Target: at least this. */
  min?: number;
  /** Target: at most this. */
  max?: number;
}

function format(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function verdict(f: Figure): { target: string; ok: string } {
  if (f.min !== undefined) return { target: `≥ ${format(f.min)}`, ok: f.value >= f.min ? 'ok' : 'MISS' };
  if (f.max !== undefined) return { target: `< ${format(f.max)}`, ok: f.value < f.max ? 'ok' : 'MISS' };
  return { target: '', ok: '' };
}

export function renderTable(figures: readonly Figure[]): string {
  const rows = [
    ['figure', 'value', 'unit', 'target', ''],
    ...figures.map((f) => {
      const v = verdict(f);
      return [f.label, format(f.value), f.unit, v.target, v.ok];
    }),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.slice(1).map(line)].join(
    '\n',
  );
}
