/** Reads a pack folder into a validated PackDefinition; every error names its file. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { packWorkflows } from '../workflows/pack-workflows.ts';
import { actionFileSchema, packFileSchema, ruleFileSchema, triggerFileSchema, type PackDefinition } from './schema.ts';

async function readYaml<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ValidationError(`${file}: invalid YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(doc ?? {});
  if (!parsed.success) throw new ValidationError(`${file}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data;
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
}

export async function loadPackDir(dir: string): Promise<PackDefinition> {
  const root = path.resolve(dir);
  const meta = await readYaml(path.join(root, 'pack.yaml'), packFileSchema);
  const ref = meta.ref ?? meta.name;
  const [actions, triggers, rules] = await Promise.all([
    Promise.all((await yamlFiles(path.join(root, 'actions'))).map((f) => readYaml(f, actionFileSchema))),
    Promise.all((await yamlFiles(path.join(root, 'triggers'))).map((f) => readYaml(f, triggerFileSchema))),
    Promise.all((await yamlFiles(path.join(root, 'rules'))).map((f) => readYaml(f, ruleFileSchema))),
  ]);
  for (const r of rules) {
    if (r.pack && r.pack !== ref) throw new ValidationError(`rule "${r.name}" says pack "${r.pack}" but is in pack "${ref}"`);
  }
  const workflows = await packWorkflows(root, actions).catch((err: unknown) => {
    throw err instanceof ValidationError ? new ValidationError(`${path.join(root, 'actions')}: ${err.message}`) : err;
  });
  return { ref, version: meta.version, description: meta.description, path: root, actions, triggers, rules, workflows };
}
