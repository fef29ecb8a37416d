/**
 * The enforcer's batch statements are idempotent: an event delivered twice (in one batch or in
 * two) makes one event, one enforcement per rule and one execution, and the execution still
 * `requested` is published again on redelivery.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { corePackDir, disposeAttune, eventually, probe, testAttune } from '../helpers.ts';
import { backlog } from '../fixtures/settle.ts';

describe('enforcer redelivery', () => {
  let attune: Attune;
  beforeAll(async () => {
    attune = await testAttune('enfredeliver');
    await attune.packs.load(corePackDir);
    await probe(attune).sql`insert into rule (ref, pack, trigger_ref, action_ref, action_params)
      values ('core.echo_event', 'core', 'core.event', 'core.echo', '{"message": "{{ event.payload.text }}"}')`;
    await attune.start({ actors: ['enforcer'] });
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  async function publish(eventId: string, text: string, copies: number): Promise<void> {
    const { publisher, catalog } = probe(attune);
    const payload = { eventId, trigger: 'core.event', triggerInstanceId: null, payload: { text }, dedupeKey: null, occurredAt: new Date().toISOString() };
    await publisher.publishMany(Array.from({ length: copies }, () => ({ def: catalog.eventCreated, payload, trace: `trace-${text}` })));
  }

  /** Waits until the enforcer has acked every event.created entry (nothing pending, no lag). */
  async function enforced(): Promise<void> {
    await eventually('the enforcer acked every event', async () => (await backlog(attune)).total === 0);
  }

  async function requestedMessages(): Promise<number> {
    return probe(attune).redis.xlen(probe(attune).catalog.executionRequested.key);
  }

  it('one execution per event and rule, re-published while still requested', async () => {
    const first = randomUUID();
    await publish(first, 'one', 3); // three copies in one batch
    await enforced();
    expect(await requestedMessages()).toBe(1); // one execution, published once
    await publish(first, 'one', 1); // a later redelivery
    await enforced();
    expect(await requestedMessages()).toBe(2); // still requested: published again
    const second = randomUUID();
    await publish(second, 'two', 1);
    await eventually('the second event is enforced', async () => {
      const [r] = await probe(attune).sql<{ n: number }[]>`select count(*)::int as n from execution`;
      return r?.n === 2;
    });
    const rows = await probe(attune).sql<{ event_id: string; events: number; enforcements: number; executions: number; message: string }[]>`
      select ev.id as event_id,
        (select count(*)::int from event where id = ev.id) as events,
        (select count(*)::int from enforcement where event_id = ev.id) as enforcements,
        (select count(*)::int from execution x join enforcement en on en.id = x.enforcement_id where en.event_id = ev.id) as executions,
        (select x.parameters->>'message' from execution x join enforcement en on en.id = x.enforcement_id where en.event_id = ev.id) as message
      from event ev order by ev.occurred_at`;
    expect(rows.map((r) => [r.event_id, r.events, r.enforcements, r.executions, r.message])).toEqual([
      [first, 1, 1, 1, 'one'],
      [second, 1, 1, 1, 'two'],
    ]);
  });
});
