/** Action parameter metadata (StackStorm-style) and validation of values against it. */
import { z } from 'zod';
import { didYouMean } from '../did-you-mean.ts';
import { strictObject } from '../domain/policy-schema.ts';
import { isTemplate } from '../rules/template.ts';

export const parameterTypes = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;

/** A `default` or `enum` entry that its own parameter would refuse is a mistake of the definition, refused where it is written. */
export const parameterSpecSchema = strictObject({
  type: z.enum(parameterTypes).default('string'),
  description: z.string().optional(),
  required: z.boolean().default(false),
  default: z.unknown().optional(),
  enum: z.array(z.unknown()).optional(),
  secret: z.boolean().default(false),
}).superRefine((p, ctx) => {
  (p.enum ?? []).forEach((e, i) => {
    if (!typeOk(p.type, e)) ctx.addIssue({ code: 'custom', path: ['enum', i], message: `${JSON.stringify(e)} is not of type ${p.type}` });
  });
  if (p.default === undefined || p.default === null) return;
  const problem = valueProblem(p, p.default);
  if (problem) ctx.addIssue({ code: 'custom', path: ['default'], message: `the default ${JSON.stringify(p.default)} ${problem}` });
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

function typeName(v: unknown): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

/** Why `v` is not a value of the parameter (its type, then its enum), or null. */
function valueProblem(p: { type: ParameterSpec['type']; enum?: unknown[] }, v: unknown): string | null {
  if (!typeOk(p.type, v)) return `must be of type ${p.type}, got ${typeName(v)}`;
  if (p.enum && !p.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) return `must be one of ${p.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  return null;
}

function unknownParameter(name: string, spec: ParametersSpec): string {
  const hint = didYouMean(name, Object.keys(spec));
  return `unknown parameter "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
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
    const problem = valueProblem(p, v);
    if (problem) errors.push(`parameter "${name}" ${problem}`);
    else out[name] = v;
  }
  for (const name of Object.keys(values)) if (!(name in spec)) errors.push(unknownParameter(name, spec));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: out };
}

/**
 * What can be known of parameters before their templates are rendered (a rule's `action.parameters`
 * when it is saved): every name is one of the action's, every required one is given, and each value
 * that is not a template passes its type and enum. A template's value is checked when rendered.
 */
export function unrenderedParameterProblems(spec: ParametersSpec, values: Record<string, unknown>): string[] {
  const problems = Object.keys(values)
    .filter((name) => !(name in spec))
    .map((name) => unknownParameter(name, spec));
  for (const [name, p] of Object.entries(spec)) {
    const v = values[name] ?? p.default;
    if (v === undefined || v === null) {
      if (p.required) problems.push(`parameter "${name}" is required`);
      continue;
    }
    const problem = typeof v === 'string' && isTemplate(v) ? null : valueProblem(p, v);
    if (problem) problems.push(`parameter "${name}" ${problem}`);
  }
  return problems;
}

/** As `unrenderedParameterProblems`, for a spec as stored (JSON); none when it is not one. */
export function unrenderedProblemsOf(storedSpec: unknown, values: Record<string, unknown>): string[] {
  const spec = parametersSpecSchema.safeParse(storedSpec);
  return storedSpec === undefined || !spec.success ? [] : unrenderedParameterProblems(spec.data, values);
}
