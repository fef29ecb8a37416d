/**
 * Enforcer: `event.created` → in one transaction per batch: store the events, match every enabled
 * rule of their triggers, store an enforcement per match and its execution (`requested`) →
 * commit → publish `execution.requested` → ack. Unique keys make a redelivered batch harmless:
 * it finds its rows and re-publishes the executions still `requested`.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import type { ParametersSpec } from '../actions/parameters.ts';
import { protectSecrets } from '../actions/secrets.ts';
import { planEnforcements, type RuleRow, type StoredEvent } from '../domain/enforcement-plan.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { EventCreated } from '../streams/messages.ts';
import { crashPoint } from '../crash-point.ts';

export function startEnforcer(ctx: AttuneContext, consumerName: string): ActorHandle {
  const sql = requireSql(ctx, 'the enforcer');
  const log = ctx.log.child({ actor: 'enforcer', consumer: consumerName });

  async function handle(batch: Delivery<EventCreated>[]): Promise<void> {
    const rows = batch.map((d) => ({
      id: d.message.payload.eventId,
      trigger_ref: d.message.payload.trigger,
      trigger_instance_id: d.message.payload.triggerInstanceId,
      payload: d.message.payload.payload,
      dedupe_key: d.message.payload.dedupeKey,
      trace: d.message.trace,
      occurred_at: d.message.payload.occurredAt,
    }));
    const ids = rows.map((r) => r.id);
    const triggers = [...new Set(rows.map((r) => r.trigger_ref))];
    const requested = await sql.begin(async (tx) => {
      await tx`
        insert into event (id, trigger_ref, trigger_instance_id, payload, dedupe_key, trace, occurred_at)
        select * from jsonb_to_recordset(${tx.json(rows as never)}) as x(
          id uuid, trigger_ref text, trigger_instance_id bigint, payload jsonb, dedupe_key text, trace text, occurred_at timestamptz)
        on conflict do nothing`;
      const events = await tx<StoredEvent[]>`
        select id, trigger_ref, trigger_instance_id, payload, trace, occurred_at from event where id = any(${ids}::uuid[])`;
      const rules = await tx<RuleRow[]>`
        select id, ref, pack, trigger_ref, trigger_instance_id, criteria, action_ref, action_params
        from rule where enabled and trigger_ref = any(${triggers}::text[]) order by id`;
      if (rules.length === 0 || events.length === 0) return [] as { id: number; trace: string }[];
      const actionRefs = [...new Set(rules.map((r) => r.action_ref))];
      const actions = await tx<{ ref: string; parameters: ParametersSpec }[]>`
        select ref, parameters from action where ref = any(${actionRefs}::text[])`;
      const plan = planEnforcements(events, rules, new Map(actions.map((a) => [a.ref, a.parameters])), { namespace: ctx.config.namespace });
      if (plan.length === 0) return [];
      const enforcements = plan.map((p) => ({
        rule_id: p.ruleId,
        rule_ref: p.ruleRef,
        event_id: p.eventId,
        trace: p.trace,
        status: p.error ? 'failed' : 'created',
        reason: p.error,
      }));
      await tx`
        insert into enforcement (rule_id, rule_ref, event_id, trace, status, reason)
        select * from jsonb_to_recordset(${tx.json(enforcements)}) as x(
          rule_id bigint, rule_ref text, event_id uuid, trace text, status text, reason text)
        on conflict do nothing`;
      const stored = await tx<{ id: number; rule_id: number; event_id: string }[]>`
        select id, rule_id, event_id from enforcement where event_id = any(${ids}::uuid[])`;
      const enfId = new Map(stored.map((e) => [`${e.rule_id}/${e.event_id}`, e.id]));
      const specs = new Map(actions.map((a) => [a.ref, a.parameters]));
      const executions = [];
      for (const p of plan) {
        // Secrets are masked in `parameters` and stored encrypted; a failed plan keeps none.
        const kept = await protectSecrets(ctx, specs.get(p.actionRef) ?? {}, p.parameters);
        executions.push({
          enforcement_id: enfId.get(`${p.ruleId}/${p.eventId}`),
          action_ref: p.actionRef,
          parameters: kept.parameters,
          secrets: p.error ? null : kept.secrets,
          status: p.error ? 'failed' : 'requested',
          status_reason: p.error,
          trace: p.trace,
        });
      }
      await tx`
        insert into execution (enforcement_id, action_ref, parameters, secrets, status, status_reason, trace, finished_at)
        select x.*, case when x.status = 'failed' then now() end
        from jsonb_to_recordset(${tx.json(executions as never)}) as x(
          enforcement_id bigint, action_ref text, parameters jsonb, secrets text, status text, status_reason text, trace text)
        on conflict (enforcement_id) do nothing`;
      const pending = await tx<{ id: number; trace: string }[]>`
        select id, trace from execution where enforcement_id = any(${[...enfId.values()]}::bigint[]) and status = 'requested'`;
      crashPoint(ctx.config, 'enforcer.before-commit');
      return [...pending];
    });
    crashPoint(ctx.config, 'enforcer.after-commit');
    await ctx.publisher.publishMany(
      requested.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })),
    );
    if (log.isLevelEnabled('debug')) {
      for (const d of batch) log.debug({ trace: d.message.trace, eventId: d.message.payload.eventId }, 'event enforced');
    }
  }

  const consumer = createActorConsumer<EventCreated>(ctx, {
    name: 'enforcer',
    streams: [ctx.catalog.eventCreated],
    group: 'enforcer',
    consumer: consumerName,
    log,
    handle,
  });
  consumer.start();
  return { name: 'enforcer', stop: () => consumer.stop(), state: () => consumer.state() };
}
