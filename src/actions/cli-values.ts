/**
 * `name=value` arguments of `attune run`, parsed by each parameter's declared type: the value text
 * is data, never evaluated (`message='$(touch /tmp/x)'` is that text).
 */
import { ValidationError } from '../errors.ts';
import type { ParametersSpec } from './parameters.ts';

function parseValue(name: string, type: string, text: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n)))
        throw new ValidationError(`parameter "${name}" must be of type ${type}, got "${text}"`);
      return n;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(t)) return true;
      if (['false', 'no', '0', 'off'].includes(t)) return false;
      throw new ValidationError(`parameter "${name}" must be a boolean (true/false), got "${text}"`);
    }
    case 'object':
    case 'array': {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        throw new ValidationError(`parameter "${name}" must be a JSON ${type}, got "${text}"`);
      }
      return v;
    }
    default:
      return text;
  }
}

/** `["a=1", "b=x=y"]` → `{ a: 1, b: "x=y" }`; a name the action does not declare stays a string (validation names it). */
export function parseAssignments(spec: ParametersSpec, args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new ValidationError(`expected name=value, got "${arg}"`);
    const name = arg.slice(0, eq);
    if (name in out) throw new ValidationError(`parameter "${name}" is given twice`);
    out[name] = parseValue(name, spec[name]?.type ?? 'string', arg.slice(eq + 1));
  }
  return out;
}
