/**
 * Enforcer: `event.created` → in one transaction per batch: store the events, match every enabled
 * rule of their triggers, store an enforcement per match and its execution (`requested`) →
 * commit → publish `execution.requested` → ack. Unique keys make a redelivered batch harmless:
 * it finds its rows and re-publishes the executions still `requested`.
 */
import type { AttuneContext, ActorHandle } from '../context.ts';
import { createActorConsumer, requireSql } from '../context.ts';
import type { ParametersSpec } from '../actions/parameters.ts';
import type { ActionPolicy } from '../domain/policy-schema.ts';
import { protectSecrets } from '../actions/secrets.ts';
import { crashPoint } from '../crash-point.ts';
import { insertEnforced, type EnforcedExecution } from '../db/execution-store.ts';
import { planEnforcements, type RuleRow, type StoredEvent } from '../rules/enforcement-plan.ts';
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
    const ruleRows = await sql<(RuleRow & { action_spec: ParametersSpec | null; policy: ActionPolicy | null })[]>`
      select r.id, r.ref, r.pack, r.trigger_ref, r.trigger_instance_id, r.criteria, r.action_ref, r.action_params,
             a.parameters as action_spec, case when a.policy is null and r.policy is null then null else coalesce(a.policy, '{}') || coalesce(r.policy, '{}') end as policy
      from rule r left join action a on a.ref = r.action_ref
      where r.enabled and r.trigger_ref = any(${triggers}::text[]) order by r.id`;
    const rules: RuleRow[] = ruleRows.map(({ action_spec: _spec, policy: _policy, ...r }) => r);
    const policies = new Map(ruleRows.map((r) => [r.id, r.policy]));
    const specs = new Map(ruleRows.flatMap((r) => (r.action_spec ? [[r.action_ref, r.action_spec] as const] : [])));
    // Two statements per batch: the events here, the enforcements and executions in the execution
    // store. Each CTE's insert is invisible to its sibling reads (one snapshot), so
    // `inserted ∪ already there` is every row exactly once, new or redelivered.
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
      const planned: EnforcedExecution[] = [];
      for (const p of plan) {
        // Secrets are masked in `parameters` and stored encrypted; a failed plan keeps none.
        const kept = await protectSecrets(ctx, specs.get(p.actionRef) ?? {}, p.parameters);
        planned.push({ ...p, parameters: kept.parameters, secrets: kept.secrets, policy: policies.get(p.ruleId) ?? null });
      }
      const pending = await insertEnforced(tx, planned, ids);
      crashPoint(ctx.config, 'enforcer.before-commit');
      return [...pending];
    });
    crashPoint(ctx.config, 'enforcer.after-commit');
    await ctx.publisher.publishMany(requested.map((e) => ({ def: ctx.catalog.executionRequested, payload: { executionId: e.id }, trace: e.trace })));
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
