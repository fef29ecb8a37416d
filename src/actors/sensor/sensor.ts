/**
 * Sensor: runs the timer trigger instances of enabled rules (interval, cron, date; see
 * timer-runner.ts). Each tick becomes one `event.created` with the dedupe key
 * `timer:<instance>:<tick time>`, so replicas agree and the enforcer stores each tick once. Reloads its instances on `rule.changed` (plain XREAD: every
 * sensor sees every change) and every 30 s as a safety net.
 */
import { createActor } from 'xstate';
import { fromPromise } from 'xstate';
import type { AttuneContext, ActorHandle } from '../../context.ts';
import { requireSql } from '../../context.ts';
import { toError } from '../../errors.ts';
import { createBlockingRedis } from '../../streams/redis.ts';
import { backoffMs } from '../../streams/consumer-machine.ts';
import { sensorMachine } from './sensor-machine.ts';
import { createTimerRunner, type TimerInstance } from './timer-runner.ts';
import { timerTriggers } from '../../triggers/timers.ts';

const SAFETY_RELOAD_MS = 30_000;

export function startSensor(ctx: AttuneContext, name: string): ActorHandle {
  const sql = requireSql(ctx, 'the sensor');
  const log = ctx.log.child({ actor: 'sensor', consumer: name });
  const timers = createTimerRunner(ctx, sql, log);
  let stopped = false;

  async function load(): Promise<void> {
    const instances = await sql<TimerInstance[]>`
      select ti.id, ti.trigger_ref, ti.parameters, ti.created_at, tt.last_tick
      from trigger_instance ti left join timer_tick tt on tt.trigger_instance_id = ti.id
      where ti.trigger_ref = any(${Object.keys(timerTriggers)}::text[])
        and exists (select 1 from rule r where r.trigger_instance_id = ti.id and r.enabled)`;
    timers.sync(instances);
    log.debug({ timers: timers.size() }, 'trigger instances loaded');
  }

  const actor = createActor(
    sensorMachine.provide({
      actors: { load: fromPromise(() => load()) },
      actions: {
        reportFailure: (_, p) => log.warn({ err: toError(p.error).message }, 'sensor: loading trigger instances failed; backing off'),
        disarm: () => timers.stop(),
      },
    }),
  );
  const done = new Promise<void>((resolve) =>
    actor.subscribe({
      complete: () => resolve(),
      error: (err) => {
        log.error({ err: toError(err) }, 'sensor: machine failed; trigger instances are no longer reloaded');
        resolve();
      },
    }),
  );
  actor.start();

  // rule.changed: plain XREAD from "now" on a dedicated connection.
  const listener = createBlockingRedis(ctx.redisUrl, `attune:sensor-listen:${name}`);
  const listening = (async () => {
    let lastId = '$';
    let failures = 0;
    while (!stopped) {
      try {
        const reply = await listener.xread('COUNT', 100, 'BLOCK', 2000, 'STREAMS', ctx.catalog.ruleChanged.key, lastId);
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
