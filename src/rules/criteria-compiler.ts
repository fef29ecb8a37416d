/**
 * Criteria compiled into a tree of closures (shared by validateCriteria and matchCriteria): every
 * problem found on the way is collected with where it sits, and a criteria object with any
 * problem compiles to a node that never matches.
 */
import { OPERATORS, OPERATOR_ALIASES, compileOperator, isPlainObject } from './operators.ts';
import { compilePath, type EvalContext } from './criteria-paths.ts';

export const SEARCH_CONDITIONS = ['any', 'all', 'any2any', 'all2any'] as const;

/** Canonical operator names (aliases such as eq, lt, in are accepted too). */
export const OPERATOR_NAMES: readonly string[] = [...Object.keys(OPERATORS), 'search'];

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

/** A value as a message shows it: `null`, `a list`, `an object`, `number 3`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

export interface CompiledCriteria {
  readonly node: Node;
  readonly problems: readonly string[];
}

/** Compiles a criteria object, collecting every problem with where it sits. */
export function compile(criteria: object): CompiledCriteria {
  const problems: string[] = [];
  const node = allOf(compileEntries(criteria, { inSearch: false, where: '', problems }));
  // st2 refuses a rule whose criteria cannot be evaluated: an invalid criterion anywhere
  // (even under `not`) makes the whole rule never match
  return { node: problems.length > 0 ? NEVER : node, problems };
}

const compiledCache = new WeakMap<object, CompiledCriteria>();

/** `compile`, cached per criteria object (the rule rows the enforcer keeps between events). */
export function compileCached(criteria: object): CompiledCriteria {
  let hit = compiledCache.get(criteria);
  if (!hit) {
    hit = compile(criteria);
    compiledCache.set(criteria, hit);
  }
  return hit;
}
