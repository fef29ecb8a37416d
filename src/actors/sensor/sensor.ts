/**
 * Sensor: runs the timer trigger instances of enabled rules. Each tick becomes one
 * `event.created` with the dedupe key `timer:<instance>:<tick time>`, so replicas agree and the
 * enforcer stores each tick once. Reloads its instances on `rule.changed` (plain XREAD: every
 * sensor sees every change) and every 30 s as a safety net.
 */
import { createActor } from 'xstate';
import { fromPromise } from 'xstate';
import type { AttuneContext, ActorHandle } from '../../context.ts';
import { requireSql } from '../../context.ts';
import { toError } from '../../errors.ts';
import { newId } from '../../streams/codec.ts';
import { createBlockingRedis } from '../../streams/redis.ts';
import { backoffMs } from '../../streams/consumer-machine.ts';
import { sensorMachine } from './sensor-machine.ts';
import { intervalMs, intervalTimerParams, nextTick, tickDedupeKey, timerTriggers } from './timers.ts';

const SAFETY_RELOAD_MS = 30_000;

interface Instance {
  id: number;
  trigger_ref: string;
  parameters: Record<string, unknown>;
}

export function startSensor(ctx: AttuneContext, name: string): ActorHandle {
  const sql = requireSql(ctx, 'the sensor');
  const log = ctx.log.child({ actor: 'sensor', consumer: name });
  const armed = new Map<number, { key: string; timer: NodeJS.Timeout }>();
  let stopped = false;

  function schedule(inst: Instance, periodMs: number, key: string): void {
    const tick = nextTick(periodMs, Date.now());
    const timer = setTimeout(() => {
      if (stopped || armed.get(inst.id)?.key !== key) return;
      schedule(inst, periodMs, key);
      void fire(inst, tick, tick + periodMs);
    }, tick - Date.now());
    armed.set(inst.id, { key, timer });
  }

  /** Publishes one tick, retrying until it lands or the next tick is due. */
  async function fire(inst: Instance, tick: number, giveUpAt: number): Promise<void> {
    const at = new Date(tick).toISOString();
    const payload = {
      eventId: newId(),
      trigger: inst.trigger_ref,
      triggerInstanceId: inst.id,
      payload: { executed_at: at, schedule: inst.parameters },
      dedupeKey: tickDedupeKey(inst.id, tick),
      occurredAt: at,
    };
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await ctx.publisher.publish(ctx.catalog.eventCreated, payload);
        log.debug({ triggerInstanceId: inst.id, tick: at, eventId: payload.eventId }, 'timer fired');
        return;
      } catch (err) {
        if (Date.now() + backoffMs(attempt) > giveUpAt) {
          log.error({ err: toError(err).message, triggerInstanceId: inst.id, tick: at }, 'timer tick lost: could not publish before the next tick');
          return;
        }
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  }

  async function load(): Promise<void> {
    const instances = await sql<Instance[]>`
      select ti.id, ti.trigger_ref, ti.parameters from trigger_instance ti
      where ti.trigger_ref = any(${Object.keys(timerTriggers)}::text[])
        and exists (select 1 from rule r where r.trigger_instance_id = ti.id and r.enabled)`;
    const seen = new Set<number>();
    for (const inst of instances) {
      const params = intervalTimerParams.safeParse(inst.parameters);
      if (!params.success) {
        log.error({ triggerInstanceId: inst.id, parameters: inst.parameters }, 'invalid timer parameters; instance skipped');
        continue;
      }
      seen.add(inst.id);
      const key = JSON.stringify(params.data);
      if (armed.get(inst.id)?.key === key) continue;
      const old = armed.get(inst.id);
      if (old) clearTimeout(old.timer);
      schedule(inst, intervalMs(params.data), key);
    }
    for (const [id, a] of armed) {
      if (!seen.has(id)) {
        clearTimeout(a.timer);
        armed.delete(id);
      }
    }
    log.debug({ timers: armed.size }, 'trigger instances loaded');
  }

  const actor = createActor(
    sensorMachine.provide({
      actors: { load: fromPromise(() => load()) },
      actions: {
        reportFailure: (_, p) => log.warn({ err: toError(p.error).message }, 'sensor: loading trigger instances failed; backing off'),
        disarm: () => {
          for (const a of armed.values()) clearTimeout(a.timer);
          armed.clear();
        },
      },
    }),
  );
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve(), error: () => resolve() }));
  actor.start();

  // rule.changed: plain XREAD from "now" on a dedicated connection.
  const listener = createBlockingRedis(ctx.redisUrl, `attune:sensor-listen:${name}`);
  const listening = (async () => {
    let lastId = '$';
    let failures = 0;
    while (!stopped) {
      try {
        const reply = (await listener.xread('COUNT', 100, 'BLOCK', 2000, 'STREAMS', ctx.catalog.ruleChanged.key, lastId));
        failures = 0;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length > 0) {
          lastId = entries[entries.length - 1]?.[0] ?? lastId;
          actor.send({ type: 'RELOAD' });
        }
      } catch (err) {
        if (stopped) return;
        failures++;
        log.warn({ err: toError(err).message }, 'sensor: reading rule.changed failed; backing off');
        await new Promise((r) => setTimeout(r, backoffMs(failures)));
      }
    }
  })();
  const safety = setInterval(() => actor.send({ type: 'RELOAD' }), SAFETY_RELOAD_MS);

  return {
    name: 'sensor',
    state: () => String(actor.getSnapshot().value),
    stop: async () => {
      stopped = true;
      clearInterval(safety);
      actor.send({ type: 'STOP' });
      await done;
      listener.disconnect();
      await listening;
    },
  };
}
