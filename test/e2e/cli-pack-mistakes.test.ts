/**
 * A newcomer's mistakes in pack and rule files, met through `attune pack load`, `rule create` and
 * `rule test`: each one is refused when the file is loaded, exit 1, in one line naming the file or
 * rule, the field and the value, instead of being stored and failing (or doing nothing) later.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attune } from '../../src/index.ts';
import { disposeAttune, runCli, testAttune } from '../helpers.ts';

let attune: Attune;
let dir: string;

beforeAll(async () => {
  attune = await testAttune('clipackmistakes');
  await attune.packs.loadCore();
  dir = await mkdtemp(path.join(os.tmpdir(), 'attune-pack-mistakes-'));
});
afterAll(async () => {
  await disposeAttune(attune);
});

/** Writes a pack `name` with these files (path relative to the pack → content); returns its folder. */
async function pack(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  for (const [file, body] of Object.entries({ 'pack.yaml': `name: ${name}\n`, ...files })) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), body);
  }
  return root;
}

const rule = (name: string, parameters: string) =>
  `pack: mk\nname: ${name}\ntrigger: { type: core.event }\naction:\n  ref: core.echo\n  parameters: ${parameters}\n`;

async function refused(args: string): Promise<string> {
  const r = await runCli(attune, args);
  expect(r.code, `attune ${args}: ${r.stdout}`).toBe(1);
  expect(r.stdout).toBe('');
  return r.stderr;
}

describe("a rule's action parameters are checked against the action when the rule is saved", () => {
  it('rule create / rule test: a misspelt, a missing required, or a mistyped literal parameter is refused', async () => {
    const typo = path.join(dir, 'typo.yaml');
    await writeFile(typo, rule('typo', '{ mesage: hi }'));
    const expected =
      'attune: rule "mk.typo" is invalid: action.parameters of core.echo: unknown parameter "mesage" (did you mean "message"?); action.parameters of core.echo: parameter "message" is required\n';
    expect(await refused(`rule create ${typo}`)).toBe(expected);
    expect(await refused(`rule test ${typo}`)).toBe(expected);
    const typed = path.join(dir, 'typed.yaml');
    await writeFile(typed, 'pack: mk\nname: typed\ntrigger: { type: core.event }\naction:\n  ref: core.sleep\n  parameters: { seconds: soon }\n');
    expect(await refused(`rule create ${typed}`)).toBe(
      'attune: rule "mk.typed" is invalid: action.parameters of core.sleep: parameter "seconds" must be of type number, got string\n',
    );
    expect((await attune.rules.list({ pack: 'mk' })).length).toBe(0);
    // a template's value is known only when rendered: its name is checked, not its type
    const templated = path.join(dir, 'templated.yaml');
    await writeFile(
      templated,
      'pack: mk\nname: templated\ntrigger: { type: core.event }\naction:\n  ref: core.sleep\n  parameters: { seconds: "{{ payload.s }}" }\n',
    );
    expect((await runCli(attune, `rule create ${templated}`)).code).toBe(0);
  });

  it("pack load: a rule giving its own pack's action a parameter it does not take is refused", async () => {
    const root = await pack('mk2', {
      'actions/hi.yaml': 'name: hi\nruntime: shell\ncommand: echo hi\nparameters:\n  who: { type: string, required: true }\n',
      'rules/r.yaml': 'name: r\ntrigger: { type: core.event }\naction:\n  ref: mk2.hi\n  parameters: { whom: x }\n',
    });
    expect(await refused(`pack load ${root}`)).toBe(
      'attune: rule "mk2.r" is invalid: action.parameters of mk2.hi: unknown parameter "whom" (did you mean "who"?); action.parameters of mk2.hi: parameter "who" is required\n',
    );
  });
});

describe('pack load refuses what it used to store and ignore', () => {
  it("a parameter's default or enum that the parameter itself refuses", async () => {
    const root = await pack('mk3', { 'actions/a.yaml': 'name: a\nruntime: shell\ncommand: echo\nparameters:\n  n: { type: integer, default: ten }\n' });
    expect(await refused(`pack load ${root}`)).toContain(`${root}/actions/a.yaml: parameters.n.default: the default "ten" must be of type integer, got string`);
    const en = await pack('mk4', { 'actions/a.yaml': 'name: a\nruntime: shell\ncommand: echo\nparameters:\n  c: { enum: [red, 2], default: blue }\n' });
    const err = await refused(`pack load ${en}`);
    expect(err).toContain('2 is not of type string');
    expect(err).toContain('the default "blue" must be one of "red", 2');
  });

  it('a missing field or a wrong type is one line naming the field first, not "expected string, received undefined"', async () => {
    const root = await pack('mk10', { 'actions/empty.yaml': '', 'actions/t.yaml': 'name: t\nruntime: shell\ncommand: echo\ntimeout: soon\n' });
    expect(await refused(`pack load ${root}`)).toBe(`attune: ${root}/actions/empty.yaml: name: is required\n`);
    const typed = await pack('mk11', { 'actions/t.yaml': 'name: t\nruntime: shell\ncommand: echo\ntimeout: soon\n' });
    expect(await refused(`pack load ${typed}`)).toBe(`attune: ${typed}/actions/t.yaml: timeout: Invalid input: expected number, received string\n`);
  });

  it('two files giving the same name (a copied file not renamed inside): both files are named', async () => {
    const root = await pack('mk5', {
      'actions/a.yaml': 'name: a\nruntime: shell\ncommand: echo a\n',
      'actions/b.yaml': 'name: a\nruntime: shell\ncommand: echo b\n',
    });
    expect(await refused(`pack load ${root}`)).toBe(`attune: ${root}/actions/b.yaml: name "a" is already the name of ${root}/actions/a.yaml\n`);
  });

  it('a command beside an entry_point, or in a runtime that runs only scripts', async () => {
    const both = await pack('mk6', { 'actions/a.yaml': 'name: a\nruntime: shell\ncommand: echo\nentry_point: a.sh\n', 'actions/a.sh': 'echo\n' });
    const msg = 'command: `command` is for shell actions only, instead of `entry_point` (not beside it)';
    expect(await refused(`pack load ${both}`)).toBe(`attune: ${both}/actions/a.yaml: ${msg}\n`);
    const py = await pack('mk7', { 'actions/a.yaml': 'name: a\nruntime: python\ncommand: print(1)\n' });
    expect(await refused(`pack load ${py}`)).toBe(`attune: ${py}/actions/a.yaml: ${msg}\n`);
    expect(await attune.actions.list()).not.toContainEqual(expect.objectContaining({ ref: 'mk6.a' }));
  });

  it('a workflow condition reading a variable that does not exist (`when: sucseeded`)', async () => {
    const root = await pack('mk8', {
      'actions/w.yaml':
        'name: w\nruntime: workflow\nworkflow:\n  tasks:\n    a:\n      action: core.noop\n      next:\n        - { when: sucseeded, do: b }\n    b: { action: core.noop }\n',
    });
    expect(await refused(`pack load ${root}`)).toBe(
      `attune: ${root}/actions: action "w" workflow: condition "tasks.a.next[0].when": no variable "sucseeded" (did you mean "succeeded"?); known there: input, ctx, workflow, result, status, succeeded, failed\n`,
    );
  });
});

describe("a workflow task's input is checked against its action when the pack loads", () => {
  it('a misspelt input name of a known action is refused, naming the workflow, the task and the parameter', async () => {
    const root = await pack('mk9', {
      'actions/w.yaml': 'name: w\nruntime: workflow\nworkflow:\n  tasks:\n    greet:\n      action: core.echo\n      input: { mesage: hi }\n',
    });
    expect(await refused(`pack load ${root}`)).toBe(
      `attune: ${root}/actions: action "w" workflow: task "greet" field input: unknown parameter "mesage" (did you mean "message"?); action "w" workflow: task "greet" field input: parameter "message" is required\n`,
    );
  });
});

describe("a workflow task's action must exist when the pack loads", () => {
  it('an unknown action (`action: core.nope`) is refused, naming the workflow, the task and the action, with a did-you-mean', async () => {
    const root = await pack('mk12', {
      'actions/w.yaml':
        'name: w\nruntime: workflow\nworkflow:\n  tasks:\n    first: { action: mk12.step, next: [{ do: second }] }\n    second: { action: core.nope }\n',
      'actions/step.yaml': 'name: step\nruntime: shell\ncommand: echo\n',
    });
    expect(await refused(`pack load ${root}`)).toBe(
      `attune: ${root}/actions: action "w" workflow: task "second" field action: action "core.nope" does not exist (did you mean "core.noop"? or load its pack first)\n`,
    );
    expect(await attune.actions.list()).not.toContainEqual(expect.objectContaining({ ref: 'mk12.w' }));
    // the same pack's action, a stored pack's action: both known
    await writeFile(
      path.join(root, 'actions', 'w.yaml'),
      'name: w\nruntime: workflow\nworkflow:\n  tasks:\n    first: { action: mk12.step, next: [{ do: second }] }\n    second: { action: core.noop }\n',
    );
    expect((await runCli(attune, `pack load ${root}`)).code).toBe(0);
  });
});

describe("a trigger's payload_schema is checked when the pack loads, as defineTrigger's is", () => {
  it('a misspelt keyword, a non-object root, a type that is not one are refused, naming the file and the field', async () => {
    const root = await pack('mk13', { 'triggers/x.yaml': 'name: x\npayload_schema:\n  type: object\n  propertise:\n    host: { type: string }\n' });
    expect(await refused(`pack load ${root}`)).toBe(
      `attune: ${root}/triggers/x.yaml: payload_schema.propertise: unknown keyword "propertise" (did you mean "properties"?)\n`,
    );
    const str = await pack('mk14', { 'triggers/x.yaml': 'name: x\npayload_schema: { type: string }\n' });
    expect(await refused(`pack load ${str}`)).toBe(
      `attune: ${str}/triggers/x.yaml: payload_schema.type: an event payload is always an object, so type must be "object", got "string"\n`,
    );
    const typ = await pack('mk15', { 'triggers/x.yaml': 'name: x\npayload_schema:\n  type: object\n  properties:\n    n: { type: int }\n' });
    expect(await refused(`pack load ${typ}`)).toMatch(new RegExp(`^attune: ${typ}/triggers/x\\.yaml: payload_schema\\.properties\\.n\\.type: .+\n$`));
    expect(await attune.packs.list()).not.toContainEqual(expect.objectContaining({ ref: 'mk13' }));
  });
});

describe('rule enforcements', () => {
  it('an unknown rule or status is an error, not an empty table with exit code 0', async () => {
    expect(await refused('rule enforcements nope.nothing')).toBe('attune: no rule "nope.nothing"\n');
    expect(await refused('rule enforcements core.hello_world_timer --status throtled')).toBe(
      'attune: unknown enforcement status "throtled" (known: created, failed, throttled, debounced, deduplicated)\n',
    );
    const ok = await runCli(attune, 'rule enforcements core.hello_world_timer --status throttled');
    expect([ok.code, ok.stderr]).toEqual([0, '']);
  });
});
