/** Reads a pack folder into a validated PackDefinition; every error names its file. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { issuesLine, ValidationError } from '../errors.ts';
import { packWorkflows } from '../workflows/pack-workflows.ts';
import { actionFileSchema, packFileSchema, ruleFileSchema, triggerFileSchema, type ActionFile, type PackDefinition } from './schema.ts';

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
  if (!parsed.success) throw new ValidationError(`${file}: ${issuesLine(parsed.error)}`);
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

/** A script action's `entry_point` (relative to `actions/`) must exist when the pack loads, not first at run time. */
async function checkEntryPoint(file: string, actionsDir: string, action: ActionFile): Promise<ActionFile> {
  if (action.entry_point === undefined) return action;
  const script = path.resolve(actionsDir, action.entry_point);
  const found = await stat(script).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) throw new ValidationError(`${file}: entry_point "${action.entry_point}": no file ${script} (entry_point is relative to actions/)`);
  return action;
}

/**
 * Every YAML file of a folder, read; two files of one folder giving the same `name` (a copied file
 * not yet renamed inside) are refused, naming both, instead of the last one silently winning.
 */
async function readAll<T extends { name: string }>(dir: string, read: (file: string) => Promise<T>): Promise<T[]> {
  const files = await yamlFiles(dir);
  const items = await Promise.all(files.map(read));
  const seen = new Map<string, string>();
  items.forEach((item, i) => {
    const first = seen.get(item.name);
    if (first !== undefined) throw new ValidationError(`${files[i]}: name "${item.name}" is already the name of ${first}`);
    seen.set(item.name, files[i]!);
  });
  return items;
}

export async function loadPackDir(dir: string): Promise<PackDefinition> {
  if (typeof dir !== 'string' || dir === '')
    throw new ValidationError(`pack directory must be a path (a non-empty string), got ${JSON.stringify(dir) ?? String(dir)}`);
  const root = path.resolve(dir);
  const meta = await readYaml(path.join(root, 'pack.yaml'), packFileSchema);
  const ref = meta.ref ?? meta.name;
  const actionsDir = path.join(root, 'actions');
  const [actions, triggers, rules] = await Promise.all([
    readAll(actionsDir, async (f) => checkEntryPoint(f, actionsDir, await readYaml(f, actionFileSchema))),
    readAll(path.join(root, 'triggers'), (f) => readYaml(f, triggerFileSchema)),
    readAll(path.join(root, 'rules'), (f) => readYaml(f, ruleFileSchema)),
  ]);
  for (const r of rules) {
    if (r.pack && r.pack !== ref) throw new ValidationError(`rule "${r.name}" says pack "${r.pack}" but is in pack "${ref}"`);
  }
  const workflows = await packWorkflows(root, actions).catch((err: unknown) => {
    throw err instanceof ValidationError ? new ValidationError(`${path.join(root, 'actions')}: ${err.message}`) : err;
  });
  return { ref, version: meta.version, description: meta.description, path: root, actions, triggers, rules, workflows };
}
