/**
 * StackStorm's criteria operators (st2common/operators.py) as predicates compiled once per
 * criterion. Python semantics are kept where they show: an operator that would raise in Python
 * (wrong types, a missing value) is false, `regex` is `re.search`, `matchregex` is `re.match`,
 * `matchwildcard` is `fnmatch`. Nothing here allocates per evaluation except what the value needs.
 */
import { pythonRegExp } from './python-regex.ts';
import { wildcardRegExp } from './wildcard-regex.ts';

export interface Clock {
  /** Epoch milliseconds that `timediff_*` compare against. */
  readonly nowMs: number;
}
export type Predicate = (value: unknown, clock: Clock) => boolean;
export type CompiledOperator = { ok: true; test: Predicate } | { ok: false; error: string };

type PatternKind = 'any' | 'string' | 'number' | 'container' | 'nothing';

export interface OperatorDef {
  /** What `pattern` must be; `nothing` means the operator ignores it. */
  readonly pattern: PatternKind;
  /** `nequals` compares with a null pattern; every other operator is false without one (as st2). */
  readonly acceptsNull: boolean;
  readonly make: (pattern: unknown) => Predicate;
}

// ---- Python value semantics -------------------------------------------------------------------

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python `==` on JSON values (deep, key order ignored); unlike Python, `true != 1`. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  for (const k of keys) if (!Object.hasOwn(bo, k) || !pyEquals(ao[k], bo[k])) return false;
  return true;
}

/** Python `<` ordering: a sign, or undefined where Python raises TypeError. */
export function pyCompare(a: unknown, b: unknown): number | undefined {
  const ta = typeof a;
  if (ta !== typeof b) return undefined;
  if (ta === 'number' || ta === 'string') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  if (ta === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i]);
    return Math.sign(a.length - b.length);
  }
  return undefined;
}

/** Python `item in container`: true/false, or undefined where Python raises TypeError. */
export function pyIn(item: unknown, container: unknown): boolean | undefined {
  if (typeof container === 'string') return typeof item === 'string' ? container.includes(item) : undefined;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (pyEquals(container[i], item)) return true;
    return false;
  }
  if (isPlainObject(container)) {
    if (typeof item === 'string') return Object.hasOwn(container, item);
    return typeof item === 'object' && item !== null ? undefined : false; // lists/dicts are unhashable
  }
  return undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

/** An ISO 8601 date as epoch ms; a date without an offset is UTC (as st2's date_utils.parse). */
export function parseIsoDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined;
  const offsetMin = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  return t - offsetMin * 60_000;
}

// ---- the operators ----------------------------------------------------------------------------

const anyOp = (make: (p: unknown) => Predicate, acceptsNull = false): OperatorDef => ({ pattern: 'any', acceptsNull, make });
const strOp = (make: (p: string) => Predicate): OperatorDef => ({ pattern: 'string', acceptsNull: false, make: (p) => make(p as string) });
const lowerOp = (make: (lowered: string) => Predicate): OperatorDef => strOp((p) => make(p.toLowerCase()));
const numOp = (make: (p: number) => Predicate): OperatorDef => ({ pattern: 'number', acceptsNull: false, make: (p) => make(p as number) });
const inOp = (make: (p: unknown) => Predicate): OperatorDef => ({ pattern: 'container', acceptsNull: false, make });
const presence = (make: () => Predicate): OperatorDef => ({ pattern: 'nothing', acceptsNull: true, make });

const compare = (accept: (sign: number) => boolean) =>
  anyOp((p) => (v) => {
    const sign = pyCompare(v, p);
    return sign !== undefined && accept(sign);
  });

const searchRe =
  (re: RegExp): Predicate =>
  (v) =>
    typeof v === 'string' && re.test(v);

const timediff = (accept: (ageSeconds: number, period: number) => boolean) =>
  numOp((p) => (v, clock) => {
    const t = parseIsoDate(v);
    return t !== undefined && accept((clock.nowMs - t) / 1000, p);
  });

export const OPERATORS: Readonly<Record<string, OperatorDef>> = {
  equals: anyOp((p) => (v) => pyEquals(v, p)),
  nequals: anyOp((p) => (v) => !pyEquals(v, p), true),
  iequals: lowerOp((lp) => (v) => typeof v === 'string' && v.toLowerCase() === lp),
  contains: anyOp((p) => (v) => pyIn(p, v) === true),
  ncontains: anyOp((p) => (v) => pyIn(p, v) === false),
  icontains: lowerOp((lp) => (v) => typeof v === 'string' && v.toLowerCase().includes(lp)),
  incontains: lowerOp((lp) => (v) => typeof v === 'string' && !v.toLowerCase().includes(lp)),
  startswith: strOp((p) => (v) => typeof v === 'string' && v.startsWith(p)),
  istartswith: lowerOp((lp) => (v) => typeof v === 'string' && v.toLowerCase().startsWith(lp)),
  endswith: strOp((p) => (v) => typeof v === 'string' && v.endsWith(p)),
  iendswith: lowerOp((lp) => (v) => typeof v === 'string' && v.toLowerCase().endsWith(lp)),
  lessthan: compare((s) => s < 0),
  greaterthan: compare((s) => s > 0),
  lessthanorequal: compare((s) => s <= 0),
  greaterthanorequal: compare((s) => s >= 0),
  matchwildcard: strOp((p) => searchRe(wildcardRegExp(p))),
  regex: strOp((p) => searchRe(pythonRegExp(p))),
  iregex: strOp((p) => searchRe(pythonRegExp(p, { ignoreCase: true }))),
  matchregex: strOp((p) => {
    const re = pythonRegExp(p, { dotAll: true, anchored: true });
    return (v) => {
      if (typeof v !== 'string') return false;
      re.lastIndex = 0;
      return re.test(v);
    };
  }),
  exists: presence(() => (v) => v !== undefined && v !== null),
  nexists: presence(() => (v) => v === undefined || v === null),
  inside: inOp((p) => (v) => pyIn(v, p) === true),
  ninside: inOp((p) => (v) => pyIn(v, p) === false),
  timediff_lt: timediff((age, period) => age < period),
  timediff_gt: timediff((age, period) => age > period),
};

/** st2's short names, plus `ne`, `lte`, `gte`. */
export const OPERATOR_ALIASES: Readonly<Record<string, string>> = {
  eq: 'equals',
  neq: 'nequals',
  ne: 'nequals',
  ieq: 'iequals',
  lt: 'lessthan',
  gt: 'greaterthan',
  lte: 'lessthanorequal',
  gte: 'greaterthanorequal',
  td_lt: 'timediff_lt',
  td_gt: 'timediff_gt',
  in: 'inside',
  nin: 'ninside',
};

const PATTERN_RULE: Record<PatternKind, (p: unknown) => string | undefined> = {
  any: () => undefined,
  nothing: () => undefined,
  string: (p) => (typeof p === 'string' ? undefined : 'pattern must be a string'),
  number: (p) => (typeof p === 'number' && Number.isFinite(p) ? undefined : 'pattern must be a number of seconds'),
  container: (p) => (typeof p === 'string' || typeof p === 'object' ? undefined : 'pattern must be a list, an object or a string'),
};

const NEVER: Predicate = () => false;

/** Compiles one operator with its pattern; a bad pattern is an error, a missing one never matches. */
export function compileOperator(def: OperatorDef, pattern: unknown): CompiledOperator {
  if ((pattern === undefined || pattern === null) && !def.acceptsNull) return { ok: true, test: NEVER };
  const problem = pattern === undefined || pattern === null ? undefined : PATTERN_RULE[def.pattern](pattern);
  if (problem) return { ok: false, error: problem };
  try {
    return { ok: true, test: def.make(pattern) };
  } catch (err) {
    return { ok: false, error: `invalid regular expression ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
