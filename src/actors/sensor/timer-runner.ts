/**
 * Arms the timer trigger instances of one sensor: a timeout per instance for its next tick, the
 * tick published as `event.created` with the dedupe key `timer:<instance>:<tick>` (replicas agree,
 * the enforcer stores each tick once), and the last fired tick recorded in `timer_tick`, so that a
 * sensor starting after all were down can apply the instance's catch-up policy.
 */
import type { Logger } from 'pino';
import type { AttuneContext } from '../../context.ts';
import type { Sql } from '../../db/sql.ts';
import { toError } from '../../errors.ts';
import { newId } from '../../streams/codec.ts';
import { backoffMs } from '../../streams/consumer-machine.ts';
import { missedTicks, tickDedupeKey, timerSchedule, type TimerSchedule, type TimerTriggerRef } from '../../triggers/timers.ts';

/** setTimeout's longest delay; longer waits re-arm in steps. */
const MAX_DELAY_MS = 2_147_000_000;

export interface TimerInstance {
  id: number;
  trigger_ref: TimerTriggerRef;
  parameters: Record<string, unknown>;
  created_at: Date;
  /** The last tick any sensor fired for this instance. */
  last_tick: Date | null;
}

export interface TimerRunner {
  /** Arms new or changed instances (catching up missed ticks), disarms the others. */
  sync(instances: readonly TimerInstance[]): void;
  size(): number;
  stop(): void;
}

export function createTimerRunner(ctx: AttuneContext, sql: Sql, log: Logger): TimerRunner {
  const armed = new Map<number, { key: string; timer: NodeJS.Timeout | null }>();
  let stopped = false;

  const current = (id: number, key: string) => !stopped && armed.get(id)?.key === key;

  function arm(inst: TimerInstance, schedule: TimerSchedule, key: string, after: number): void {
    const tick = schedule.next(after);
    if (tick === null) {
      armed.set(inst.id, { key, timer: null });
      return;
    }
    const delay = tick - Date.now();
    const timer =
      delay > MAX_DELAY_MS
        ? setTimeout(() => current(inst.id, key) && arm(inst, schedule, key, after), MAX_DELAY_MS)
        : setTimeout(
            () => {
              if (!current(inst.id, key)) return;
              arm(inst, schedule, key, tick);
              void fire(inst, tick, schedule.next(tick) ?? tick + 60_000);
            },
            Math.max(0, delay),
          );
    armed.set(inst.id, { key, timer });
  }

  /** Publishes one tick, retrying until it lands or `giveUpAt`; then records it as the last tick (unless told not to). */
  async function fire(inst: TimerInstance, tick: number, giveUpAt: number, catchUp = false, record = true): Promise<boolean> {
    const at = new Date(tick).toISOString();
    const message = {
      eventId: newId(),
      trigger: inst.trigger_ref,
      triggerInstanceId: inst.id,
      payload: { executed_at: at, schedule: inst.parameters, ...(catchUp ? { catch_up: true } : {}) },
      dedupeKey: tickDedupeKey(inst.id, tick),
      occurredAt: at,
    };
    let published = false;
    for (let attempt = 1; !stopped && !published; attempt++) {
      try {
        await ctx.publisher.publish(ctx.catalog.eventCreated, message);
        published = true;
        log.debug({ triggerInstanceId: inst.id, tick: at, eventId: message.eventId, catchUp }, 'timer fired');
      } catch (err) {
        if (Date.now() + backoffMs(attempt) > giveUpAt) {
          log.error({ err: toError(err).message, triggerInstanceId: inst.id, tick: at }, 'timer tick lost: could not publish before the next tick');
          return false;
        }
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
    if (!published) return false;
    if (record) await recordTick(inst.id, at);
    return true;
  }

  async function recordTick(id: number, at: string): Promise<void> {
    try {
      await sql`
        insert into timer_tick (trigger_instance_id, last_tick) values (${id}, ${at})
        on conflict (trigger_instance_id) do update set last_tick = greatest(timer_tick.last_tick, excluded.last_tick), updated_at = now()`;
    } catch (err) {
      log.warn({ err: toError(err).message, triggerInstanceId: id, tick: at }, 'could not record the last timer tick');
    }
  }

  async function catchUp(inst: TimerInstance, schedule: TimerSchedule, now: number): Promise<void> {
    const since = (inst.last_tick ?? inst.created_at).getTime();
    const ticks = missedTicks(schedule, since, now);
    if (ticks.length === 0) return;
    log.info({ triggerInstanceId: inst.id, policy: schedule.catchUp, ticks: ticks.length }, 'catching up missed timer ticks');
    // publish them all in order first, then record the latest once
    let last: number | null = null;
    for (const tick of ticks) if (await fire(inst, tick, Date.now() + 10_000, true, false)) last = tick;
    if (last !== null) await recordTick(inst.id, new Date(last).toISOString());
  }

  return {
    sync(instances) {
      const seen = new Set<number>();
      for (const inst of instances) {
        const key = JSON.stringify(inst.parameters);
        seen.add(inst.id);
        if (armed.get(inst.id)?.key === key) continue;
        const old = armed.get(inst.id);
        if (old?.timer) clearTimeout(old.timer);
        let schedule: TimerSchedule;
        try {
          schedule = timerSchedule(inst.trigger_ref, inst.parameters);
        } catch (err) {
          log.error({ triggerInstanceId: inst.id, parameters: inst.parameters, err: toError(err).message }, 'invalid timer parameters; instance skipped');
          continue;
        }
        const now = Date.now();
        arm(inst, schedule, key, now);
        if (!old) void catchUp(inst, schedule, now);
      }
      for (const [id, a] of armed) {
        if (seen.has(id)) continue;
        if (a.timer) clearTimeout(a.timer);
        armed.delete(id);
      }
    },
    size: () => armed.size,
    stop() {
      stopped = true;
      for (const a of armed.values()) if (a.timer) clearTimeout(a.timer);
      armed.clear();
    },
  };
}
