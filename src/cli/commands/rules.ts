/** `attune rule create|update|list|get|enable|disable|delete|test`. */
import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SECRET_MASK } from '../../actions/secrets.ts';
import { ValidationError, toError } from '../../errors.ts';
import { parseRule } from '../../rules/rules-api.ts';
import type { DryRunResult, RuleRecord } from '../../index.ts';
import { table } from '../format.ts';
import { positiveInt, withAttune } from '../shared.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected a duration such as 90s, 15m, 1h or 2d, got "${value}"`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function readRuleFile(file: string) {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ValidationError(`${file}: ${toError(err).message}`);
  }
  return parseRule(doc, file);
}

/** Webhook tokens and secrets are not printed. */
function redacted(r: RuleRecord): RuleRecord {
  const p = { ...r.trigger_parameters };
  for (const k of ['token', 'secret']) if (k in p) p[k] = SECRET_MASK;
  return { ...r, trigger_parameters: p };
}

function printDryRun(r: DryRunResult): void {
  console.log(`rule ${r.rule} (trigger ${r.trigger}): ${r.matches.length} of ${r.evaluated} events since ${r.since} match; nothing was written`);
  const f = r.flow;
  const held = [
    ['throttled', f.throttled],
    ['debounced', f.debounced],
    ['deduplicated', f.deduplicated],
  ].filter(([, n]) => n !== 0);
  console.log(`  would have run ${f.runs} time${f.runs === 1 ? '' : 's'}${held.map(([k, n]) => `, ${k} ${n}`).join('')}`);
  for (const m of r.matches) {
    const outcome = m.error ? `would fail: ${m.error}` : `${m.flow === 'run' ? '' : `${m.flow}; `}parameters ${JSON.stringify(m.parameters)}`;
    console.log(`  event ${m.eventId} at ${m.occurredAt}: ${outcome}`);
  }
}

export function registerRuleCommands(program: Command): void {
  const rule = program.command('rule').description('manage rules; changes reach running actors within a second');

  rule
    .command('create <file>')
    .description('create a rule from a YAML/JSON file (with `pack`)')
    .action(async (file: string) => {
      const def = await readRuleFile(file);
      await withAttune(async (a) => console.log(`created rule ${(await a.rules.create(def)).ref}`));
    });
  rule
    .command('update <file>')
    .description('replace an existing rule with the definition in a file')
    .action(async (file: string) => {
      const def = await readRuleFile(file);
      await withAttune(async (a) => console.log(`updated rule ${(await a.rules.update(`${def.pack}.${def.name}`, def)).ref}`));
    });
  rule
    .command('list')
    .option('--pack <pack>', 'only rules of this pack')
    .option('--json', 'print JSON')
    .action(async (o: { pack?: string; json?: boolean }) => {
      await withAttune(async (a) => {
        const rows = await a.rules.list({ pack: o.pack });
        console.log(
          o.json
            ? JSON.stringify(rows.map(redacted), null, 2)
            : table(rows as unknown as Record<string, unknown>[], ['ref', 'enabled', 'trigger_ref', 'action_ref']),
        );
      });
    });
  // Always JSON; `--json` is accepted, as for every other command that prints JSON.
  rule
    .command('get <ref>')
    .option('--json', 'print JSON (the default)')
    .action(async (ref: string) => {
      await withAttune(async (a) => {
        const r = await a.rules.get(ref);
        if (!r) throw new ValidationError(`no rule "${ref}"`);
        console.log(JSON.stringify(redacted(r), null, 2));
      });
    });
  for (const [verb, done] of [
    ['enable', 'enabled'],
    ['disable', 'disabled'],
    ['delete', 'deleted'],
  ] as const) {
    rule.command(`${verb} <ref>`).action(async (ref: string) => {
      await withAttune(async (a) => {
        await a.rules[verb](ref);
        console.log(`${done} rule ${ref}`);
      });
    });
  }
  rule
    .command('enforcements <ref>')
    .description('what the rule made of events, newest first: the execution, or why none (throttled, debounced, deduplicated, failed)')
    .option('--status <status>', 'only this status (created, failed, throttled, debounced, deduplicated)')
    .addOption(new Option('--limit <n>', 'at most this many').argParser(positiveInt).default(50))
    .addOption(new Option('--before <id>', 'only enforcements older than this id (the last id of the page before)').argParser(positiveInt))
    .option('--json', 'print JSON')
    .action(async (ref: string, o: { status?: string; limit: number; before?: number; json?: boolean }) => {
      await withAttune(async (a) => {
        const rows = await a.rules.enforcements(ref, { status: o.status, limit: o.limit, before: o.before });
        const cols = ['id', 'event_id', 'status', 'flow_key', 'execution_id', 'reason'];
        console.log(o.json ? JSON.stringify(rows, null, 2) : table(rows as unknown as Record<string, unknown>[], cols));
      });
    });
  rule
    .command('test <ruleFileOrRef>')
    .description('dry-run: evaluate a rule against stored events and print matches and their parameters; writes nothing')
    .addOption(new Option('--since <duration>', 'events stored within this long (90s, 15m, 1h, 2d)').argParser(duration).default(3_600_000, '1h'))
    .addOption(new Option('--limit <n>', 'at most this many events, newest first').argParser(positiveInt).default(1000))
    .option('--json', 'print JSON')
    .action(async (target: string, o: { since: number; limit: number; json?: boolean }) => {
      const def = (await isFile(target)) ? await readRuleFile(target) : target;
      await withAttune(async (a) => {
        const r = await a.rules.test(def, { sinceMs: o.since, limit: o.limit });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printDryRun(r);
      });
    });
}
