/**
 * Strict template variables for rule parameters: `{{ trigger.paylod.x }}` is refused when the rule is
 * saved, not rendered empty at run time. A template may read `trigger.<key>`, `payload.<key>` or
 * `event.payload.<key>` only for a key the trigger's `payload_schema` declares under `properties`;
 * a schema without `properties`, or with `additionalProperties: true`, allows any key. `event.<field>`
 * must be one of the event's own fields.
 */
import { didYouMean } from '../did-you-mean.ts';
import { isPlainObject } from './operators.ts';
import { templatesIn, templateVariables } from './template.ts';

const EVENT_FIELDS = ['id', 'trigger', 'payload', 'occurred_at'];
const ROOTS = ['event', 'rule', 'system', 'trigger', 'payload'];

/** The payload keys a schema declares, or null when it allows any key. */
function declaredKeys(payloadSchema: unknown): string[] | null {
  if (!isPlainObject(payloadSchema) || payloadSchema.additionalProperties === true) return null;
  const props = payloadSchema.properties;
  return isPlainObject(props) && Object.keys(props).length > 0 ? Object.keys(props) : null;
}

function unknownKey(what: string, key: string, known: string[]): string {
  const hint = didYouMean(key, known);
  return `${what} "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; known: ${known.join(', ')}`;
}

/** Problems of the variables the parameter templates read, each naming the parameter. */
export function templateKeyProblems(params: Record<string, unknown>, triggerRef: string, payloadSchema: unknown): string[] {
  const keys = declaredKeys(payloadSchema);
  const problems: string[] = [];
  for (const { path, source } of templatesIn(params)) {
    let vars: (string | number)[][];
    try {
      vars = templateVariables(source);
    } catch {
      continue; // a template that does not parse is reported by validateTemplates
    }
    for (const [root, a, b] of vars) {
      let problem: string | null = null;
      if (typeof root === 'string' && !ROOTS.includes(root)) problem = unknownKey('no variable', root, ROOTS);
      else if (root === 'event' && typeof a === 'string' && !EVENT_FIELDS.includes(a)) problem = unknownKey('the event has no field', a, EVENT_FIELDS);
      else if (keys) {
        const key = root === 'event' ? (a === 'payload' ? b : undefined) : root === 'trigger' || root === 'payload' ? a : undefined;
        if (typeof key === 'string' && !keys.includes(key)) problem = unknownKey(`the payload of ${triggerRef} has no key`, key, keys);
      }
      if (problem) problems.push(`parameter "${path}": ${source}: ${problem}`);
    }
  }
  return problems;
}
