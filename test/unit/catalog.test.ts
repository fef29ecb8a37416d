/** One stream per message type, one schema per stream, one stream per group: by construction. */
import { describe, expect, it } from 'vitest';
import { streamCatalog, type StreamDef } from '../../src/streams/catalog.ts';
import { decode, encode } from '../../src/streams/codec.ts';

const catalog = streamCatalog('ns');
const all: StreamDef[] = [
  catalog.eventCreated,
  catalog.executionRequested,
  catalog.executionScheduled('shell'),
  catalog.executionScheduled('python'),
  catalog.executionStatus,
  catalog.ruleChanged,
  catalog.workerControl('w1'),
  catalog.workflowStart,
  catalog.workflowChildFinished,
  catalog.workflowControl,
  catalog.dead,
];

describe('stream catalog', () => {
  it('keys are {namespace}:{type}, each unique', () => {
    for (const d of all) expect(d.key).toBe(`ns:${d.type}`);
    expect(new Set(all.map((d) => d.key)).size).toBe(all.length);
  });

  it('each group reads exactly one kind of stream, with one schema', () => {
    const byGroup = new Map<string, Set<unknown>>();
    for (const d of all) if (d.group) byGroup.set(d.group, new Set([...(byGroup.get(d.group) ?? []), d.schema]));
    expect([...byGroup.keys()].sort()).toEqual(['enforcer', 'manager', 'scheduler', 'worker', 'workflow']);
    // the workflow actor handles three message types: three streams, each with its own schema
    for (const [group, schemas] of byGroup) expect(schemas.size).toBe(group === 'workflow' ? 3 : 1);
    const wf = all.filter((d) => d.group === 'workflow');
    expect(wf.map((d) => d.type)).toEqual(['workflow.start', 'workflow.child_finished', 'workflow.control']);
    // the worker group reads one stream per runtime, all of the same message type family
    expect(catalog.executionScheduled('SHELL').key).toBe('ns:execution.scheduled.shell');
  });

  it('no two message types share a schema', () => {
    const fixed = [
      catalog.eventCreated,
      catalog.executionRequested,
      catalog.executionScheduled('x'),
      catalog.executionStatus,
      catalog.ruleChanged,
      catalog.workerControl('w'),
      catalog.workflowStart,
      catalog.workflowChildFinished,
      catalog.workflowControl,
      catalog.dead,
    ];
    expect(new Set(fixed.map((d) => d.schema)).size).toBe(fixed.length);
  });

  it('a payload of another type never decodes on a stream', () => {
    const fields = encode(catalog.executionRequested, { executionId: 1 });
    const r = decode(catalog.eventCreated, fields, 1e6);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain('does not belong on stream ns:event.created');
    // same type field but the wrong shape
    const forged = [...fields];
    forged[1] = 'event.created';
    const r2 = decode(catalog.eventCreated, forged, 1e6);
    expect(!r2.ok && r2.error).toMatch(/payload does not match event.created/);
  });

  it('rejects missing fields, invalid JSON and oversized payloads with a readable reason', () => {
    const d = catalog.executionRequested;
    expect(decode(d, ['type', d.type], 1e6)).toEqual({ ok: false, error: 'missing field(s): id, trace, payload' });
    const bad = decode(d, ['type', d.type, 'id', 'x', 'trace', 't', 'payload', '{nope'], 1e6);
    expect(!bad.ok && bad.error).toMatch(/not valid JSON/);
    const big = decode(d, ['type', d.type, 'id', 'x', 'trace', 't', 'payload', JSON.stringify({ executionId: 1, pad: 'x'.repeat(2000) })], 1024);
    expect(!big.ok && big.error).toMatch(/over the limit of 1024/);
    const ok = decode(d, encode(d, { executionId: 7 }, { trace: 'tr' }), 1e6);
    expect(ok.ok && ok.message.payload).toEqual({ executionId: 7 });
  });
});
