/**
 * The JSON-schema subset that trigger YAML uses for `payload_schema` (and `parameters_schema`):
 * `type` (one or a list), `required`, `properties`, `additionalProperties: false`, `enum`,
 * `items`, `minimum`, `maximum`, `minLength`, `maxLength`. Other keywords (`format`,
 * `description`, …) are accepted and ignored, except one a typo away from a known one (refused). Pure: returns one message per problem, each
 * naming the path, so a refused payload says why. A library (ajv) would do more, but this
 * subset is all the packs use and keeps the dependency list short.
 */
import { z } from 'zod';
import { didYouMean } from '../did-you-mean.ts';

export interface PayloadSchema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, PayloadSchema>;
  additionalProperties?: boolean;
  enum?: unknown[];
  items?: PayloadSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
}

const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;

const schemaShape: z.ZodType<PayloadSchema> = z.lazy(() =>
  z
    .object({
      type: z.union([z.enum(TYPES), z.array(z.enum(TYPES))]).optional(),
      required: z.array(z.string()).optional(),
      properties: z.record(z.string(), schemaShape).optional(),
      additionalProperties: z.boolean().optional(),
      enum: z.array(z.unknown()).optional(),
      items: schemaShape.optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      minLength: z.number().int().min(0).optional(),
      maxLength: z.number().int().min(0).optional(),
    })
    .loose()
    .superRefine((node, ctx) => {
      // Other keywords are ignored, so one misspelt (`propertise:`, `requried:`) would silently check nothing.
      for (const key of Object.keys(node)) {
        const hint = KEYWORDS.includes(key) ? null : didYouMean(key, KEYWORDS);
        if (hint) ctx.addIssue({ code: 'custom', path: [key], message: `unknown keyword "${key}" (did you mean "${hint}"?)` });
      }
    }),
);

const KEYWORDS = ['type', 'required', 'properties', 'additionalProperties', 'enum', 'items', 'minimum', 'maximum', 'minLength', 'maxLength'];

/** Checks that a stored schema uses the subset correctly; returns problems. */
export function checkSchema(schema: unknown): string[] {
  const r = schemaShape.safeParse(schema ?? {});
  const problems = r.success ? [] : r.error.issues.map((i) => `payload_schema${i.path.map((k) => `.${String(k)}`).join('')}: ${i.message}`);
  const root = r.success ? r.data.type : undefined;
  // An event payload is always a JSON object (emit refuses anything else): another root type matches nothing.
  if (root !== undefined && root !== 'object' && !(Array.isArray(root) && root.includes('object')))
    problems.push(`payload_schema.type: an event payload is always an object, so type must be "object", got ${JSON.stringify(root)}`);
  return problems;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return Number.isInteger(v);
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === t;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function check(schema: PayloadSchema, v: unknown, path: string, out: string[]): void {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(v, t))) {
      out.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.some((e) => same(e, v))) out.push(`${path}: must be one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(v)}`);
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) out.push(`${path}: must be >= ${schema.minimum}, got ${v}`);
    if (schema.maximum !== undefined && v > schema.maximum) out.push(`${path}: must be <= ${schema.maximum}, got ${v}`);
  }
  if (typeof v === 'string') {
    if (schema.minLength !== undefined && v.length < schema.minLength) out.push(`${path}: must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && v.length > schema.maxLength) out.push(`${path}: must be at most ${schema.maxLength} characters`);
  }
  if (Array.isArray(v) && schema.items) {
    const items = schema.items;
    v.forEach((item, i) => check(items, item, `${path}[${i}]`, out));
  }
  if (typeOf(v) === 'object') {
    const obj = v as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) out.push(`${path}.${key}: is required`);
    for (const [key, value] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      if (sub) check(sub, value, `${path}.${key}`, out);
      else if (schema.additionalProperties === false) out.push(`${path}.${key}: is not allowed (additionalProperties is false)`);
    }
  }
}

/** Validates a payload; returns one message per problem (empty when it fits). */
export function validatePayload(schema: unknown, payload: unknown): string[] {
  const parsed = schemaShape.safeParse(schema ?? {});
  if (!parsed.success) return [`the trigger's payload_schema is unusable: ${checkSchema(schema).join('; ')}`];
  const out: string[] = [];
  check(parsed.data, payload, 'payload', out);
  return out;
}
