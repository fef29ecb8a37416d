/** Parameters of the triggers Attune runs itself (timers, webhooks), checked when a rule is saved. */
import { validateTriggerParameters as timerProblems } from './timers.ts';
import { webhookParams } from './webhook-params.ts';

export function validateTriggerParameters(triggerRef: string, params: unknown): string[] {
  if (triggerRef === 'core.webhook') {
    const r = webhookParams.safeParse(params);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.') || 'parameters'}: ${i.message}`);
  }
  return timerProblems(triggerRef, params);
}
