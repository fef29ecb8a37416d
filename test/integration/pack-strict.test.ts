/**
 * Typos refused when a pack loads or Attune starts (issue 16 item 4), each naming the file and
 * field: an unknown key, an unknown runtime, a missing entry_point file, an unknown worker runtime,
 * and a rule template reading a payload key its trigger does not declare.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { loadPackDir } from '../../src/packs/load.ts';
import { disposeAttune, testAttune } from '../helpers.ts';

let root: string;

/** Writes a pack folder `name` with the given files (path → text) and returns its path. */
async function pack(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(root, name);
  for (const [file, text] of Object.entries({ 'pack.yaml': `name: ${name}\n`, ...files })) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const alertTrigger = 'name: alert\npayload_schema:\n  type: object\n  properties:\n    host: { type: string }\n    severity: { type: string }\n';
const echoAction = 'name: echo\nrunner_type: shell\ncommand: echo "$ATTUNE_PARAM_MSG"\nparameters:\n  msg: { type: string }\n';
const rule = (msg: string) => `name: on_alert\ntrigger: { type: typo.alert }\naction:\n  ref: typo.echo\n  parameters:\n    msg: "${msg}"\n`;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'attune-strict-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('pack YAML is strict', () => {
  it('an unknown key is refused, naming the file, the key and the key it resembles', async () => {
    const dir = await pack('unknownkey', { 'actions/a.yaml': 'name: a\nrunner_type: shell\ncommand: "true"\ntimout: 5\n' });
    await expect(loadPackDir(dir)).rejects.toThrow(/actions\/a\.yaml: .*unknown key "timout" \(did you mean "timeout"\?\)/);
    const nested = await pack('nestedkey', { 'rules/r.yaml': 'name: r\ntrigger: { type: core.event }\naction: { ref: core.noop, paramters: {} }\n' });
    await expect(loadPackDir(nested)).rejects.toThrow(/rules\/r\.yaml: action: unknown key "paramters" \(did you mean "parameters"\?\)/);
    const param = await pack('paramkey', {
      'actions/a.yaml': 'name: a\nrunner_type: shell\ncommand: "true"\nparameters:\n  x: { type: string, requird: true }\n',
    });
    await expect(loadPackDir(param)).rejects.toThrow(/actions\/a\.yaml: .*"requird" \(did you mean "required"\?\)/);
  });

  it('runtime: pyhton is refused at load, with the runtimes there are', async () => {
    const dir = await pack('badruntime', { 'actions/a.yaml': 'name: a\nruntime: pyhton\nentry_point: a.py\n', 'actions/a.py': 'print(1)\n' });
    await expect(loadPackDir(dir)).rejects.toThrow(
      /actions\/a\.yaml: runtime: unknown runtime "pyhton" \(did you mean "python"\?\); known: shell, python, node/,
    );
  });

  it("a trigger's payload_schema typo is refused at load, naming the file and the keyword; what defineTrigger accepts loads", async () => {
    const dir = await pack('schematypo', { 'triggers/x.yaml': 'name: x\npayload_schema:\n  type: object\n  propertise: { host: { type: string } }\n' });
    await expect(loadPackDir(dir)).rejects.toThrow(
      /triggers\/x\.yaml: payload_schema\.propertise: unknown keyword "propertise" \(did you mean "properties"\?\)$/,
    );
    await writeFile(path.join(dir, 'triggers', 'x.yaml'), 'name: x\npayload_schema:\n  properties:\n    n: { type: numbr }\n');
    await expect(loadPackDir(dir)).rejects.toThrow(/triggers\/x\.yaml: payload_schema\.properties\.n\.type: /);
    await writeFile(path.join(dir, 'triggers', 'x.yaml'), 'name: x\npayload_schema:\n  type: array\n');
    await expect(loadPackDir(dir)).rejects.toThrow(/triggers\/x\.yaml: payload_schema\.type: an event payload is always an object/);
    // unknown keywords far from a known one (format, description) stay accepted, as defineTrigger accepts them
    const ok = 'name: x\npayload_schema:\n  type: object\n  description: d\n  properties:\n    at: { type: string, format: date-time }\n';
    await writeFile(path.join(dir, 'triggers', 'x.yaml'), ok);
    await expect(loadPackDir(dir)).resolves.toMatchObject({ ref: 'schematypo' });
  });

  it('a missing entry_point file is refused at load, not at run time', async () => {
    const dir = await pack('noscript', { 'actions/a.yaml': 'name: a\nruntime: python\nentry_point: scripts/a.py\n' });
    await expect(loadPackDir(dir)).rejects.toThrow(
      /actions\/a\.yaml: entry_point "scripts\/a\.py": no file .*scripts\/a\.py \(entry_point is relative to actions\/\)/,
    );
    await writeFile(path.join(dir, 'actions', 'a.py'), 'print(1)\n');
    await expect(loadPackDir(dir)).rejects.toThrow(/no file/);
    await mkdir(path.join(dir, 'actions', 'scripts'));
    await writeFile(path.join(dir, 'actions', 'scripts', 'a.py'), 'print(1)\n');
    await expect(loadPackDir(dir)).resolves.toMatchObject({ ref: 'noscript' });
  });
});

describe('refused at start and at rule save', () => {
  let attune: Attune;
  beforeAll(async () => {
    attune = await testAttune('packstrict');
  });
  afterAll(async () => {
    await disposeAttune(attune);
  });

  it('start with runtimes [ruby] is refused before any actor starts', async () => {
    await expect(attune.start({ actors: ['worker'], runtimes: ['ruby'] })).rejects.toThrow(/runtimes: unknown runtime "ruby"; known: shell, python, node/);
    await expect(attune.start({ actors: ['worker'], runtimes: ['shel'] })).rejects.toThrow(/unknown runtime "shel" \(did you mean "shell"\?\)/);
    expect(await attune.workers()).toEqual([]);
  });

  it("a workflow task's unknown action is refused at load; loaded after its action's pack, it loads", async () => {
    const wf = 'name: w\nruntime: workflow\nworkflow:\n  tasks:\n    say: { action: later.echo }\n';
    const first = await pack('wfirst', { 'actions/w.yaml': wf });
    await expect(attune.packs.load(first)).rejects.toThrow(
      /wfirst\/actions: action "w" workflow: task "say" field action: action "later\.echo" does not exist \(load its pack first\)$/,
    );
    const later = await pack('later', { 'actions/echo.yaml': echoAction });
    await attune.packs.load(later);
    await writeFile(path.join(first, 'actions', 'w.yaml'), wf.replace('later.echo', 'later.ecoh'));
    await expect(attune.packs.load(first)).rejects.toThrow(/action "later\.ecoh" does not exist \(did you mean "later\.echo"\? or load its pack first\)/);
    await writeFile(path.join(first, 'actions', 'w.yaml'), wf);
    await expect(attune.packs.load(first)).resolves.toMatchObject({ pack: 'wfirst' });
  });

  it('a template typo ({{ trigger.paylod.x }}) is refused at load and at create, listing the payload keys', async () => {
    const files = { 'triggers/alert.yaml': alertTrigger, 'actions/echo.yaml': echoAction };
    const bad = await pack('typo', { ...files, 'rules/on_alert.yaml': rule('{{ trigger.paylod.x }}') });
    await expect(attune.packs.load(bad)).rejects.toThrow(
      /rule "typo\.on_alert" is invalid: parameter "msg": \{\{ trigger\.paylod\.x \}\}: the payload of typo\.alert has no key "paylod"; known: host, severity/,
    );
    await rm(path.join(bad, 'rules'), { recursive: true });
    await expect(attune.packs.load(bad)).resolves.toMatchObject({ pack: 'typo', rules: 0 });
    const create = (msg: string) =>
      attune.rules.create({ name: 'on_alert', pack: 'typo', trigger: { type: 'typo.alert' }, action: { ref: 'typo.echo', parameters: { msg } } });
    await expect(create('{{ payload.hots }} down')).rejects.toThrow(/has no key "hots" \(did you mean "host"\?\); known: host, severity/);
    await expect(create('{{ event.payload.sev }}')).rejects.toThrow(/has no key "sev"/);
    await expect(create('{{ evnt.id }}')).rejects.toThrow(/no variable "evnt" \(did you mean "event"\?\)/);
    await expect(create('{{ trigger.host }} is {{ event.payload.severity | upcase }} ({{ event.id }}, {{ rule.ref }})')).resolves.toMatchObject({
      ref: 'typo.on_alert',
    });
  });
});
