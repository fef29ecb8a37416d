/** Action parameter metadata (StackStorm-style) and validation of values against it. */
import { z } from 'zod';

export const parameterTypes = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;

export const parameterSpecSchema = z.strictObject({
  type: z.enum(parameterTypes).default('string'),
  description: z.string().optional(),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  secret: z.boolean().default(false),
});
export type ParameterSpec = z.infer<typeof parameterSpecSchema>;

export const parametersSpecSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'parameter names are identifiers'), parameterSpecSchema);
export type ParametersSpec = z.infer<typeof parametersSpecSchema>;
/** As written in YAML or code: `type` defaults to string, `required` and `secret` to false. */
export type ParametersSpecInput = z.input<typeof parametersSpecSchema>;

export type ParameterCheck = { ok: true; values: Record<string, unknown> } | { ok: false; errors: string[] };

function typeOk(type: ParameterSpec['type'], v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
  }
}

/** Applies defaults and checks types, required and enum; every error names its parameter. */
export function validateParameters(spec: ParametersSpec, values: Record<string, unknown>): ParameterCheck {
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(spec)) {
    const v = values[name] ?? p.default;
    if (v === undefined || v === null) {
      if (p.required) errors.push(`parameter "${name}" is required`);
      continue;
    }
    if (!typeOk(p.type, v)) {
      errors.push(`parameter "${name}" must be of type ${p.type}, got ${Array.isArray(v) ? 'array' : typeof v}`);
      continue;
    }
    if (p.enum && !p.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
      errors.push(`parameter "${name}" must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}`);
      continue;
    }
    out[name] = v;
  }
  for (const name of Object.keys(values)) {
    if (!(name in spec)) errors.push(`unknown parameter "${name}"`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: out };
}
