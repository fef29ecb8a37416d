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
import { crashPoint } from '../crash-point.ts';
import { planEnforcements, type RuleRow, type StoredEvent } from '../domain/enforcement-plan.ts';
import type { Delivery } from '../streams/consumer.ts';
import type { EventCreated } from '../streams/messages.ts';

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
    // Rules and their actions' parameter specs in one read, before the transaction (read-only).
    const ruleRows = await sql<(RuleRow & { action_spec: ParametersSpec | null })[]>`
      select r.id, r.ref, r.pack, r.trigger_ref, r.trigger_instance_id, r.criteria, r.action_ref, r.action_params,
             a.parameters as action_spec
      from rule r left join action a on a.ref = r.action_ref
      where r.enabled and r.trigger_ref = any(${triggers}::text[]) order by r.id`;
    const rules: RuleRow[] = ruleRows.map(({ action_spec: _spec, ...r }) => r);
    const specs = new Map(ruleRows.flatMap((r) => (r.action_spec ? [[r.action_ref, r.action_spec] as const] : [])));
    // Two statements per batch: each CTE's insert is invisible to its sibling reads (one snapshot),
    // so `inserted ∪ already there` is every row exactly once, new or redelivered.
    const requested = await sql.begin(async (tx) => {
      const events = await tx<StoredEvent[]>`
        with ins as (
          insert into event (id, trigger_ref, trigger_instance_id, payload, dedupe_key, trace, occurred_at)
          select * from jsonb_to_recordset(${tx.json(rows as never)}) as x(
            id uuid, trigger_ref text, trigger_instance_id bigint, payload jsonb, dedupe_key text, trace text, occurred_at timestamptz)
          on conflict do nothing
          returning id, trigger_ref, trigger_instance_id, payload, trace, occurred_at)
        select * from ins
        union all
        select id, trigger_ref, trigger_instance_id, payload, trace, occurred_at from event where id = any(${ids}::uuid[])`;
      if (rules.length === 0 || events.length === 0) return [] as { id: number; trace: string }[];
      const plan = planEnforcements(events, rules, specs, { namespace: ctx.config.namespace });
      if (plan.length === 0) return [];
      const planned = [];
      for (const p of plan) {
        // Secrets are masked in `parameters` and stored encrypted; a failed plan keeps none.
        const kept = await protectSecrets(ctx, specs.get(p.actionRef) ?? {}, p.parameters);
        planned.push({
          rule_id: p.ruleId,
          rule_ref: p.ruleRef,
          event_id: p.eventId,
          trace: p.trace,
          enf_status: p.error ? 'failed' : 'created',
          action_ref: p.actionRef,
          parameters: kept.parameters,
          secrets: p.error ? null : kept.secrets,
          status: p.error ? 'failed' : 'requested',
          reason: p.error,
        });
      }
      const pending = await tx<{ id: number; trace: string }[]>`
        with x as (
          select * from jsonb_to_recordset(${tx.json(planned as never)}) as x(
            rule_id bigint, rule_ref text, event_id uuid, trace text, enf_status text, action_ref text, parameters jsonb, secrets text, status text, reason text)),
        enf_ins as (
          insert into enforcement (rule_id, rule_ref, event_id, trace, status, reason)
          select rule_id, rule_ref, event_id, trace, enf_status, reason from x
          on conflict do nothing
          returning id, rule_id, event_id),
        enf as (
          select id, rule_id, event_id from enf_ins
          union all
          select id, rule_id, event_id from enforcement where event_id = any(${ids}::uuid[])),
        exec_ins as (
          insert into execution (enforcement_id, action_ref, parameters, secrets, status, status_reason, trace, finished_at)
          select enf.id, x.action_ref, x.parameters, x.secrets, x.status, x.reason, x.trace, case when x.status = 'failed' then now() end
          from x join enf on enf.rule_id = x.rule_id and enf.event_id = x.event_id
          on conflict (enforcement_id) do nothing
          returning id, trace, status)
        select id, trace from exec_ins where status = 'requested'
        union all
        select e.id, e.trace from execution e join enf on e.enforcement_id = enf.id where e.status = 'requested'`;
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
