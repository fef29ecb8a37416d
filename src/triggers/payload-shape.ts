/**
 * What every event payload must be before it gets an id: storable by PostgreSQL (no NUL
 * character, `\u0000`, in any string or key: jsonb refuses it) and at most `MAX_DEPTH` levels
 * deep (criteria, templates and jsonb walk it recursively). Checked without recursion, so a body
 * nested 5,000 deep is refused with the reason instead of overflowing the stack.
 */
import { ValidationError } from '../errors.ts';

export const MAX_DEPTH = 64;

const NUL = '\u0000';

/** Throws a ValidationError naming the path of the first problem. */
export function checkPayloadShape(payload: unknown, what = 'payload'): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: payload, path: what, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      if (value.includes(NUL)) throw new ValidationError(`${path} contains the NUL character (\\u0000), which PostgreSQL cannot store`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) throw new ValidationError(`${what} is nested deeper than ${MAX_DEPTH} levels (at ${path})`);
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, v] of entries) {
      if (key.includes(NUL)) throw new ValidationError(`a key of ${path} contains the NUL character (\\u0000), which PostgreSQL cannot store`);
      stack.push({ value: v, path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth: depth + 1 });
    }
  }
}
