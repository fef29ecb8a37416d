/**
 * Rule criteria (StackStorm's format): keys are dotted paths into the event, values name an
 * operator and its pattern; `or`/`and` take lists of criteria objects and `not` takes one.
 * Criteria compile once into a tree of closures (cached per criteria object), so matching an
 * event walks paths and calls predicates without parsing or allocating.
 */
import { z } from 'zod';
import { OPERATORS, OPERATOR_ALIASES, compileOperator, isPlainObject, type Clock } from './operators.ts';

const criterionSchema = z.strictObject({
  type: z.string().min(1),
  pattern: z.unknown().optional(),
  /** search only: any | all | any2any | all2any */
  condition: z.string().optional(),
});

export const criteriaSchema = z
  .object({
    get or() {
      return z.array(criteriaSchema).optional();
    },
    get and() {
      return z.array(criteriaSchema).optional();
    },
    get not() {
      return criteriaSchema.optional();
    },
  })
  .catchall(criterionSchema);

export type Criterion = z.infer<typeof criterionSchema>;
export type Criteria = z.infer<typeof criteriaSchema>;

export interface CriteriaEvent {
  id: string;
  trigger: string;
  payload: Record<string, unknown>;
  occurredAt: string;
}

export const SEARCH_CONDITIONS = ['any', 'all', 'any2any', 'all2any'] as const;

/** Canonical operator names (aliases such as eq, lt, in are accepted too). */
export const OPERATOR_NAMES: readonly string[] = [...Object.keys(OPERATORS), 'search'];

interface EvalContext extends Clock {
  readonly event: CriteriaEvent;
  /** The list item a `search` pattern is looking at. */
  item: unknown;
}
type Node = (ctx: EvalContext) => boolean;

const ALWAYS: Node = () => true;
const NEVER: Node = () => false;

function allOf(nodes: readonly Node[]): Node {
  if (nodes.length === 0) return ALWAYS;
  if (nodes.length === 1) return nodes[0] as Node;
  return (ctx) => {
    for (let i = 0; i < nodes.length; i++) if (!(nodes[i] as Node)(ctx)) return false;
    return true;
  };
}

function anyOf(nodes: readonly Node[]): Node {
  if (nodes.length === 1) return nodes[0] as Node;
  return (ctx) => {
    for (let i = 0; i < nodes.length; i++) if ((nodes[i] as Node)(ctx)) return true;
    return false;
  };
}

// ---- paths ------------------------------------------------------------------------------------

type Getter = (ctx: EvalContext) => unknown;

const PATH_HEAD = /^[^.[\]]+/;
const PATH_REST = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

/** `payload.a.b[0]['x-y']` → ['payload', 'a', 'b', '0', 'x-y']; undefined if malformed. */
function splitPath(path: string): string[] | undefined {
  const head = PATH_HEAD.exec(path);
  if (!head) return undefined;
  const segs = [head[0]];
  for (let i = head[0].length; i < path.length; i = PATH_REST.lastIndex) {
    PATH_REST.lastIndex = i;
    const m = PATH_REST.exec(path);
    if (!m) return undefined;
    segs.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
  }
  return segs;
}

function compilePath(key: string, inSearch: boolean): Getter | string {
  // st2 "criteria tags": `payload.level#low` and `payload.level#high` name the same value
  const tag = key.indexOf('#');
  const segs = splitPath(tag >= 0 ? key.slice(0, tag) : key);
  if (!segs) return 'malformed key (use dotted names, [0] or [\'name\'])';
  const [root, ...rest] = segs as [string, ...string[]];
  let getRoot: Getter;
  if (root === 'trigger' || root === 'payload') getRoot = (ctx) => ctx.event.payload;
  else if (root === 'event') {
    if (rest[0] === 'occurred_at') rest[0] = 'occurredAt';
    getRoot = (ctx) => ctx.event;
  } else if (root === 'item' && inSearch) getRoot = (ctx) => ctx.item;
  else if (root === 'item') return '"item." keys only exist inside a search pattern';
  else return `key must start with ${inSearch ? '"item.", ' : ''}"trigger.", "payload." or "event."`;
  const names = rest;
  const indexes = rest.map((s) => (/^\d+$/.test(s) ? Number(s) : -1));
  if (names.length === 0) return getRoot;
  return (ctx) => {
    let cur = getRoot(ctx);
    for (let i = 0; i < names.length; i++) {
      if (Array.isArray(cur)) {
        const idx = indexes[i] as number;
        if (idx < 0 || idx >= cur.length) return undefined;
        cur = cur[idx];
      } else if (typeof cur === 'object' && cur !== null) {
        const name = names[i] as string;
        if (!Object.hasOwn(cur, name)) return undefined;
        cur = (cur as Record<string, unknown>)[name];
      } else return undefined;
    }
    return cur;
  };
}

// ---- compilation (shared by validateCriteria and matchCriteria) ---------------------------------

interface Scope {
  readonly inSearch: boolean;
  /** Where a nested criterion sits, for messages: `or[1]`, `not`, `payload.items pattern`. */
  readonly where: string;
  readonly problems: string[];
}

const within = (scope: Scope, part: string, inSearch = scope.inSearch): Scope => ({
  inSearch,
  where: scope.where ? `${scope.where} > ${part}` : part,
  problems: scope.problems,
});

const CRITERION_FIELDS = new Set(['type', 'pattern', 'condition']);

function compileEntries(raw: unknown, scope: Scope): Node[] {
  if (!isPlainObject(raw)) {
    scope.problems.push(`criteria${scope.where ? ` (in ${scope.where})` : ''}: must be an object of criteria, got ${describe(raw)}`);
    return [NEVER];
  }
  const nodes: Node[] = [];
  for (const [key, spec] of Object.entries(raw)) {
    if (key === 'or' || key === 'and') {
      if (!Array.isArray(spec)) {
        scope.problems.push(`criterion "${key}"${inWhere(scope)}: must be a list of criteria objects, got ${describe(spec)}`);
        nodes.push(NEVER);
        continue;
      }
      const children = spec.map((child, i) => allOf(compileEntries(child, within(scope, `${key}[${i}]`))));
      nodes.push(key === 'or' ? (children.length === 0 ? NEVER : anyOf(children)) : allOf(children));
    } else if (key === 'not') {
      const child = allOf(compileEntries(spec, within(scope, 'not')));
      nodes.push((ctx) => !child(ctx));
    } else {
      nodes.push(compileCriterion(key, spec, scope));
    }
  }
  return nodes;
}

function compileCriterion(key: string, spec: unknown, scope: Scope): Node {
  const before = scope.problems.length;
  const problem = (msg: string): void => {
    scope.problems.push(`criterion "${key}"${inWhere(scope)}: ${msg}`);
  };
  if (!isPlainObject(spec)) {
    problem(`must be an object with "type" and "pattern", got ${describe(spec)}`);
    return NEVER;
  }
  const get = compilePath(key, scope.inSearch);
  if (typeof get === 'string') problem(get);
  for (const field of Object.keys(spec)) if (!CRITERION_FIELDS.has(field)) problem(`unknown field "${field}"`);
  const type = spec.type;
  if (typeof type !== 'string' || type === '') {
    problem('missing "type" (the operator)');
    return NEVER;
  }
  const lowered = type.toLowerCase();
  // own properties only: an operator named "constructor" or "toString" is unknown, not Object's
  const name = Object.hasOwn(OPERATOR_ALIASES, lowered) ? (OPERATOR_ALIASES[lowered] as string) : lowered;
  let test: (value: unknown, ctx: EvalContext) => boolean = () => false;
  if (name === 'search') {
    test = compileSearch(key, spec, scope);
  } else {
    const def = Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined;
    if (!def) {
      problem(`unknown operator "${type}" (valid: ${OPERATOR_NAMES.join(', ')})`);
      return NEVER;
    }
    if (spec.condition !== undefined) problem('"condition" only applies to the search operator');
    if (def.pattern !== 'nothing' && spec.pattern === undefined) problem(`missing pattern (operator "${name}" needs one)`);
    else if (def.pattern !== 'nothing' && spec.pattern === null && !def.acceptsNull) {
      problem('pattern is null, so it never matches (use exists or nexists)');
    }
    const compiled = compileOperator(def, spec.pattern);
    if (compiled.ok) test = compiled.test;
    else problem(compiled.error);
  }
  if (scope.problems.length > before || typeof get === 'string') return NEVER;
  return (ctx) => test(get(ctx), ctx);
}

function compileSearch(key: string, spec: Record<string, unknown>, scope: Scope): (value: unknown, ctx: EvalContext) => boolean {
  const condition = spec.condition;
  const known = (SEARCH_CONDITIONS as readonly unknown[]).includes(condition);
  if (!known) {
    const got = condition === undefined ? 'none' : JSON.stringify(condition);
    scope.problems.push(`criterion "${key}"${inWhere(scope)}: search needs "condition": any, all, any2any or all2any (got ${got})`);
  }
  if (!isPlainObject(spec.pattern)) {
    scope.problems.push(`criterion "${key}"${inWhere(scope)}: search needs "pattern": an object of criteria on "item.…" keys`);
    return () => false;
  }
  const children = compileEntries(spec.pattern, within(scope, `${key} pattern`, true));
  // any/all: an item matches when every child pattern matches; any2any/all2any: when one does
  const itemMatches = condition === 'any' || condition === 'all' ? allOf(children) : children.length === 0 ? NEVER : anyOf(children);
  const every = condition === 'all' || condition === 'all2any';
  return (value, ctx) => {
    if (!Array.isArray(value)) return false;
    const saved = ctx.item;
    let result = every;
    for (let i = 0; i < value.length; i++) {
      ctx.item = value[i];
      if (itemMatches(ctx) !== every) {
        result = !every;
        break;
      }
    }
    ctx.item = saved;
    return result;
  };
}

function inWhere(scope: Scope): string {
  return scope.where ? ` (in ${scope.where})` : '';
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

interface CompiledCriteria {
  readonly node: Node;
  readonly problems: readonly string[];
}

function compile(criteria: object): CompiledCriteria {
  const problems: string[] = [];
  const node = allOf(compileEntries(criteria, { inSearch: false, where: '', problems }));
  // st2 refuses a rule whose criteria cannot be evaluated: an invalid criterion anywhere
  // (even under `not`) makes the whole rule never match
  return { node: problems.length > 0 ? NEVER : node, problems };
}

const compiledCache = new WeakMap<object, CompiledCriteria>();

function compileCached(criteria: object): CompiledCriteria {
  let hit = compiledCache.get(criteria);
  if (!hit) {
    hit = compile(criteria);
    compiledCache.set(criteria, hit);
  }
  return hit;
}

// ---- public API -------------------------------------------------------------------------------

/** Human-readable problems with a criteria object (empty = valid); each names its criterion key. */
export function validateCriteria(criteria: unknown): string[] {
  if (criteria === undefined || criteria === null) return [];
  if (!isPlainObject(criteria)) return [`criteria: must be an object of criteria, got ${describe(criteria)}`];
  return [...compile(criteria).problems];
}

/**
 * Whether an event satisfies the criteria (all top-level keys must match; empty matches all).
 * Pure and never throws: type mismatches, missing keys and invalid criteria evaluate to false.
 * Compilation is cached per criteria object, so keep rule objects around between events.
 */
export function matchCriteria(criteria: Criteria, event: CriteriaEvent, now?: Date): boolean {
  const raw: unknown = criteria;
  if (raw === undefined || raw === null) return true;
  if (!isPlainObject(raw)) return false;
  const { node } = compileCached(raw);
  try {
    return node({ event, item: undefined, nowMs: now ? now.getTime() : Date.now() });
  } catch {
    return false; // e.g. a payload nested deeper than the stack
  }
}
