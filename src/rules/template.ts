/**
 * Action parameter templating with Liquid (liquidjs): sandboxed (no code, no file access, own
 * properties only, render limits), synchronous, parsed templates cached.
 *
 * - A string without `{{` or `{%` is returned as is.
 * - A string that is exactly one output `{{ expr | filters }}` keeps the JSON type of its value
 *   (number, boolean, object, array; a missing value is null).
 * - Anything else renders to a string; objects and arrays inside text render as JSON.
 */
import { Context, Drop, Liquid, Output, Value, toValueSync, type Template } from 'liquidjs';
import { AttuneError } from '../errors.ts';
import { isPlainObject } from './operators.ts';

export interface TemplateContext {
  event: { id: string; trigger: string; payload: Record<string, unknown>; occurred_at: string };
  rule: { ref: string; pack: string };
  system: Record<string, unknown>;
}

/** A parameter template that cannot be parsed or rendered; the message names the parameter. */
export class TemplateError extends AttuneError {
  /** Where the template sits in the parameters, e.g. `headers.Authorization` or `hosts[1]`. */
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super('ATTUNE_TEMPLATE', `parameter "${path}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TemplateError';
    this.path = path;
  }
}

/** How a value prints inside text: nothing for null, JSON for objects and arrays. */
function printed(value: unknown): string {
  const v: unknown = value instanceof Drop ? value.valueOf() : value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : '';
}

const engine = new Liquid({
  strictFilters: true,
  strictVariables: false,
  ownPropertyOnly: true,
  // an in-memory (empty) template map: include/render/layout cannot read the file system
  templates: {},
  // objects and arrays printed inside text come out as JSON, not "[object Object]"
  outputEscape: printed,
  parseLimit: 1_000_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
});
engine.registerFilter('upper', (v: unknown) => printed(v).toUpperCase());
engine.registerFilter('lower', (v: unknown) => printed(v).toLowerCase());
// no other templates to pull in: refuse these tags when parsing, so validateTemplates reports them
for (const tag of ['include', 'render', 'layout']) {
  engine.registerTag(tag, {
    parse() {
      throw new Error(`the "${tag}" tag is not available in parameter templates`);
    },
    render() {},
  });
}

type Compiled = { kind: 'value'; value: Value } | { kind: 'text'; templates: Template[] };

const CACHE_MAX = 2000;
const cache = new Map<string, Compiled>();

export function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

function compile(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  const templates = engine.parse(source);
  const only = templates.length === 1 ? templates[0] : undefined;
  // a lone output keeps its value's type: evaluate its expression without the JSON output escape
  const compiled: Compiled = only instanceof Output ? { kind: 'value', value: new Value(only.token.content, engine) } : { kind: 'text', templates };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

function renderString(source: string, scope: object): unknown {
  const compiled = compile(source);
  if (compiled.kind === 'text') return engine.renderSync(compiled.templates, scope) as string;
  const ctx = new Context(scope, engine.options, { sync: true }, { liquid: engine });
  const value: unknown = toValueSync(compiled.value.value(ctx, false));
  if (value === undefined) return null;
  return value instanceof Drop ? (value.valueOf() ?? null) : value;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

function renderNode(node: unknown, path: string, scope: object): unknown {
  if (typeof node === 'string') {
    if (!isTemplate(node)) return node;
    try {
      return renderString(node, scope);
    } catch (err) {
      throw new TemplateError(path, err);
    }
  }
  if (Array.isArray(node)) return node.map((item, i) => renderNode(item, childPath(path, i), scope));
  if (isPlainObject(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      // defineProperty: a "__proto__" key from JSON stays a plain key
      Object.defineProperty(out, key, { value: renderNode(value, childPath(path, key), scope), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return node;
}

/**
 * Renders every template in the parameters (recursively through objects and arrays).
 * Templates see `event`, `rule`, `system`, and `trigger`/`payload` as short names for
 * `event.payload` (as in criteria keys). Throws TemplateError naming the parameter.
 */
export function renderParameters(params: Record<string, unknown>, ctx: TemplateContext): Record<string, unknown> {
  const scope = { event: ctx.event, rule: ctx.rule, system: ctx.system, trigger: ctx.event.payload, payload: ctx.event.payload };
  return renderNode(params, '', scope) as Record<string, unknown>;
}

/** Renders every template in `node` (any JSON value) with `scope`; a TemplateError names `path`. */
export function renderTemplates(node: unknown, scope: object, path = ''): unknown {
  return renderNode(node, path, scope);
}

/** A Liquid condition (`succeeded and result.exit_code == 0`, braces optional) as an `if` template. */
function conditionSource(condition: string): string {
  const inner = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(condition)?.[1] ?? condition;
  return `{% if ${inner} %}1{% endif %}`;
}

/** Evaluates a Liquid condition against `scope`; a TemplateError names `path`. */
export function evaluateCondition(condition: string, scope: object, path: string): boolean {
  try {
    return renderString(conditionSource(condition), scope) === '1';
  } catch (err) {
    throw new TemplateError(path, err);
  }
}

/** Parses a condition without evaluating it: the problem, or null. */
export function conditionProblem(condition: string, path: string): string | null {
  try {
    compile(conditionSource(condition));
    return null;
  } catch (err) {
    return new TemplateError(path, err).message;
  }
}

/** Parses every template without rendering (when a rule is loaded); problems name the parameter. */
export function validateTemplates(params: unknown, root = ''): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (!isTemplate(node)) return;
      try {
        compile(node);
      } catch (err) {
        problems.push(new TemplateError(path, err).message);
      }
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, childPath(path, i)));
    else if (isPlainObject(node)) for (const [key, value] of Object.entries(node)) walk(value, childPath(path, key));
  };
  walk(params, root);
  return problems;
}

/** Renders a policy or flow-control key template (`{{ parameters.host }}`, `{{ trigger.host }}`) over `scope`, as text. */
export function renderKey(template: string, scope: object): string {
  return printed(renderNode(template, 'key', scope));
}

/** The variables a template reads, each as its path segments (`{{ trigger.host }}` → `['trigger', 'host']`). */
export function templateVariables(source: string): (string | number)[][] {
  return engine.globalVariableSegmentsSync(engine.parse(source)).map((segments) => segments.filter((s) => typeof s !== 'object'));
}

/** The variables a condition reads, as `templateVariables` gives them. */
export function conditionVariables(condition: string): (string | number)[][] {
  return templateVariables(conditionSource(condition));
}

/** Every template string in the parameters, by where it is (`headers.Authorization`, `hosts[1]`). */
export function templatesIn(params: Record<string, unknown>): { path: string; source: string }[] {
  const found: { path: string; source: string }[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      if (isTemplate(node)) found.push({ path, source: node });
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, childPath(path, i)));
    else if (isPlainObject(node)) for (const [key, value] of Object.entries(node)) walk(value, childPath(path, key));
  };
  walk(params, '');
  return found;
}
