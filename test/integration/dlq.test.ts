/**
 * Poison messages and the dead stream: garbage written straight into each stream ends in `dead`
 * with a readable reason and blocks nothing; `attune dlq list|replay|drop` (the real CLI).
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttune, type Attune } from '../../src/index.ts';
import { disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { allFinished, crashPackDir, runs, tempFile } from '../fixtures/crash-harness.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/attune.js', import.meta.url));

let attune: Attune;
let env: NodeJS.ProcessEnv;
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, ...args], { env });
  return stdout;
}
async function deadCount(): Promise<number> {
  return probe(attune).redis.xlen(probe(attune).catalog.dead.key);
}

beforeAll(async () => {
  attune = await testAttune('dlq', { consumer: { maxPayloadBytes: 4096, blockMs: 200 } });
  await attune.packs.load(crashPackDir);
  await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
  env = {
    ...process.env,
    REDIS_URL: attune.config.redisUrl,
    DATABASE_URL: attune.config.databaseUrl,
    ATTUNE_NAMESPACE: attune.config.namespace,
    ATTUNE_DB_SCHEMA: attune.config.schema,
    ATTUNE_LOG_LEVEL: 'silent',
  };
});
afterAll(async () => {
  await disposeAttune(attune);
});

describe('garbage in any stream', () => {
  it('ends in dead with a readable reason, and the stream keeps flowing', async () => {
    const c = probe(attune).catalog;
    const r = probe(attune).redis;
    const huge = JSON.stringify({ executionId: 1, pad: 'x'.repeat(10_000) });
    const garbage: [string, string[], RegExp][] = [
      [c.eventCreated.key, ['hello', 'world'], /missing field\(s\): type, id, trace, payload/],
      [c.eventCreated.key, ['type', 'event.created', 'id', '1', 'trace', 't', 'payload', '{not json'], /payload is not valid JSON/],
      [c.eventCreated.key, ['type', 'event.created', 'id', '1', 'trace', 't', 'payload', '{"eventId":42}'], /payload does not match event.created/],
      [
        c.executionRequested.key,
        ['type', 'execution.requested', 'id', '1', 'trace', 't', 'payload', '{"executionId":"seven"}'],
        /payload does not match execution.requested/,
      ],
      [c.executionRequested.key, ['type', 'execution.requested', 'id', '1', 'trace', 't', 'payload', huge], /over the limit of 4096/],
      [c.executionRequested.key, ['type', 'event.created', 'id', '1', 'trace', 't', 'payload', '{}'], /does not belong on stream/],
      [c.executionScheduled('shell').key, ['type', 'execution.scheduled.shell', 'id', '1', 'trace', 't', 'payload', '[]'], /payload does not match/],
      [
        c.executionStatus.key,
        ['type', 'execution.status', 'id', '1', 'trace', 't', 'payload', '{"executionId":1,"status":"exploded"}'],
        /payload does not match execution.status/,
      ],
    ];
    for (const [key, fields] of garbage) await r.xadd(key, '*', ...fields);
    const file = await tempFile('dlq');
    await attune.emit('crashtest.go', { file });

    await eventually('every garbage entry dead', async () => (await deadCount()) >= garbage.length);
    const listed = JSON.parse(await cli('dlq', 'list', '--json')) as { id: string; origin: string; error: string; fields: Record<string, string> }[];
    expect(listed).toHaveLength(garbage.length);
    for (const [key, fields, reason] of garbage) {
      const hit = listed.find((d) => d.origin === key && JSON.stringify(Object.entries(d.fields).flat()) === JSON.stringify(fields));
      expect(hit, `dead entry for ${fields.join(' ').slice(0, 80)}`).toBeDefined();
      expect(hit?.error).toMatch(reason);
    }
    // The valid event behind the garbage went through.
    const counts = await allFinished(attune, 1);
    expect(counts.byStatus).toEqual({ succeeded: 1 });
    expect(await runs(file)).toHaveLength(1);
    const text = await cli('dlq', 'list');
    expect(text).toMatch(/ID\s+AT\s+ORIGIN\s+DELIVERIES\s+ERROR/);
    expect(text).toContain('missing field(s)');

    expect(await cli('dlq', 'drop', '--all')).toContain(`${garbage.length} dropped`);
    expect(await deadCount()).toBe(0);
  });
});

describe('attune dlq replay', () => {
  it('puts the original entry back on its origin stream; after the cause is fixed it is handled', async () => {
    // An enforcer with a tight payload limit dead-letters a big (but valid) event...
    const strict = await createAttune({
      redis: attune.config.redisUrl,
      database: attune.config.databaseUrl,
      namespace: attune.config.namespace,
      schema: attune.config.schema,
      logLevel: 'silent',
      consumer: { maxPayloadBytes: 1024 },
    });
    await attune.stop(); // the lenient actors stop; the strict enforcer alone reads event.created
    await strict.start({ actors: ['enforcer'] });
    const file = await tempFile('replay');
    // (another process with the usual limit sends it: the strict one would refuse to send it)
    const eventId = randomUUID();
    const payload = { file, pad: 'y'.repeat(2000) };
    const event = { eventId, trigger: 'crashtest.go', triggerInstanceId: null, payload, dedupeKey: null, occurredAt: new Date().toISOString() };
    await probe(strict).publisher.publish(probe(strict).catalog.eventCreated, event);
    await eventually('the big event is dead', async () => (await probe(strict).redis.xlen(probe(strict).catalog.dead.key)) === 1);
    await strict.stop();

    // ...the operator raises the limit (a new process) and replays it.
    attune = await createAttune({
      redis: strict.config.redisUrl,
      database: strict.config.databaseUrl,
      namespace: strict.config.namespace,
      schema: strict.config.schema,
      logLevel: 'silent',
      consumer: { blockMs: 200 },
    });
    const [dead] = JSON.parse(await cli('dlq', 'list', '--json')) as { id: string; origin: string; error: string; fields: Record<string, string> }[];
    expect(dead?.origin).toBe(probe(attune).catalog.eventCreated.key);
    expect(dead?.error).toMatch(/over the limit of 1024/);
    expect(JSON.parse(dead?.fields.payload ?? '{}')).toMatchObject({ eventId });
    expect(await cli('dlq', 'replay', dead!.id)).toContain('1 replayed');
    expect(await deadCount()).toBe(0);
    await attune.start({ actors: ['enforcer', 'scheduler', 'worker', 'manager'] });
    const counts = await allFinished(attune, 2); // the one of the first test, and the replayed one
    expect(counts.byStatus).toEqual({ succeeded: 2 });
    expect(await probe(attune).sql`select id from event where id = ${eventId}`).toHaveLength(1);
    expect(await runs(file)).toHaveLength(1);
  });

  it('refuses unknown ids and ids with --all, with a clear message', async () => {
    await expect(cli('dlq', 'replay', 'nope')).rejects.toThrow(/"nope" is not a dead entry id/);
    await expect(cli('dlq', 'drop', '1-0')).rejects.toThrow(/no dead entry 1-0/);
    await expect(cli('dlq', 'replay', '1-0', '--all')).rejects.toThrow(/not both/);
  });
});
