/**
 * Stream entry codec. An entry has readable fields so `redis-cli XRANGE` is useful:
 * `type`, `id` (message id), `trace`, `at` (ISO time) and `payload` (JSON).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { StreamDef } from './catalog.ts';
import { issuesLine } from '../errors.ts';

export interface Envelope<T> {
  /** Message id: new per publication, not the stream entry id, and nothing decides on it (the ids of an entry: docs/architecture.md). */
  id: string;
  trace: string;
  at: string;
  payload: T;
}

export type Decoded<T> = { ok: true; message: Envelope<T> } | { ok: false; error: string };

export function newId(): string {
  return randomUUID();
}

export function encode<S extends z.ZodType>(def: StreamDef<S>, payload: z.input<S>, meta: { id?: string; trace?: string; at?: string } = {}): string[] {
  return [
    'type',
    def.type,
    'id',
    meta.id ?? newId(),
    'trace',
    meta.trace ?? newId(),
    'at',
    meta.at ?? new Date().toISOString(),
    'payload',
    JSON.stringify(payload),
  ];
}

/** Turns Redis' flat field list into an object; duplicate fields keep the first value. */
export function fieldsToObject(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const k = fields[i] as string;
    if (!(k in out)) out[k] = fields[i + 1] as string;
  }
  return out;
}

/** Decodes and validates one entry; any defect becomes a readable reason, never a throw. */
export function decode<S extends z.ZodType>(def: StreamDef<S>, fields: readonly string[] | null, maxPayloadBytes: number): Decoded<z.output<S>> {
  if (fields === null) return { ok: false, error: 'entry has no fields (trimmed from the stream?)' };
  const f = fieldsToObject(fields);
  const missing = ['type', 'id', 'trace', 'payload'].filter((k) => f[k] === undefined);
  if (missing.length > 0) return { ok: false, error: `missing field(s): ${missing.join(', ')}` };
  if (f.type !== def.type) {
    return { ok: false, error: `type "${f.type}" does not belong on stream ${def.key} (expects "${def.type}")` };
  }
  const raw = f.payload as string;
  if (Buffer.byteLength(raw) > maxPayloadBytes) {
    return { ok: false, error: `payload is ${Buffer.byteLength(raw)} bytes, over the limit of ${maxPayloadBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `payload is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = def.schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: `payload does not match ${def.type}: ${issuesLine(parsed.error)}` };
  }
  return {
    ok: true,
    message: { id: f.id as string, trace: f.trace as string, at: f.at ?? '', payload: parsed.data },
  };
}
