/** Mistakes of a plain-JavaScript caller get a clear error naming the option, field or value (never silently ignored, never a hang). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAttune, defineAction, defineTrigger, WaitTimeoutError } from '../../src/index.ts';
import { disposeAttune, testAttune } from '../helpers.ts';

const loose = (v: unknown) => v as never;

describe('library mistakes', () => {
  it('refuses misspelt and ill-typed createAttune options', async () => {
    await expect(createAttune(loose({ worker: { concurency: 3 } }))).rejects.toThrow(/worker: unknown key "concurency" \(did you mean "concurrency"\?\)/);
    await expect(createAttune(loose({ conccurency: 3 }))).rejects.toThrow(/unknown key "conccurency"/);
    await expect(createAttune(loose(null))).rejects.toThrow(/invalid Attune options: .*received null/);
    await expect(createAttune(loose({ definitions: {} }))).rejects.toThrow(/definitions: must be an array/);
    await expect(createAttune(loose({ logger: 'x' }))).rejects.toThrow(/logger: must be a pino logger/);
  });

  it('refuses bad start options, a second start of one actor, and any call after stop', async () => {
    const attune = await testAttune('lib-mistakes-start');
    await expect(attune.start(loose({ actor: ['scheduler'] }))).rejects.toThrow(/unknown key "actor" \(did you mean "actors"\?\)/);
    await expect(attune.start(loose({ actors: 'scheduler' }))).rejects.toThrow(/actors: Invalid input: expected array/);
    await expect(attune.start(loose({ actors: ['scheduler', 'scheduer'] }))).rejects.toThrow(/actors\[1\]: Invalid option/);
    await attune.start({ actors: ['scheduler'] });
    await expect(attune.start({ actors: ['scheduler'] })).rejects.toThrow(/"scheduler" is already running/);
    // Waiting too short is an AttuneError of its own, saying the execution goes on (no worker runs here).
    await attune.packs.loadCore();
    const queued = await attune.run('core.noop', {});
    const gaveUp = await attune.executions.wait(queued.id, { timeoutMs: 50 }).catch((err: unknown) => err as WaitTimeoutError);
    expect(gaveUp).toBeInstanceOf(WaitTimeoutError);
    expect(gaveUp).toMatchObject({
      code: 'ATTUNE_WAIT_TIMEOUT',
      message: `execution ${queued.id} still requested after 50 ms (it goes on; wait again or cancel it)`,
    });
    await disposeAttune(attune);
    await attune.stop();
    await expect(attune.executions.get(1)).rejects.toThrow(/attune\.executions\.get\(\) called after attune\.stop\(\)/);
    await expect(attune.emit('core.webhook', {})).rejects.toThrow(/attune\.emit\(\) called after attune\.stop\(\)/);
  });

  it('refuses bad ids and misspelt call options', async () => {
    const attune = await testAttune('lib-mistakes-calls');
    try {
      await attune.packs.loadCore();
      await expect(attune.executions.get(loose('abc'))).rejects.toThrow('executions.get: execution id must be a positive integer, got "abc"');
      await expect(attune.executions.get(-1)).rejects.toThrow(/got -1/);
      await expect(attune.executions.wait(1, loose({ timeoutMs: 'x' }))).rejects.toThrow(/executions.wait options: timeoutMs/);
      await expect(attune.executions.list(loose({ stauts: 'running' }))).rejects.toThrow(/unknown key "stauts" \(did you mean "status"\?\)/);
      await expect(attune.emit('core.webhook', {}, loose({ dedupKey: 'k' }))).rejects.toThrow(/unknown key "dedupKey"/);
      await expect(attune.emit('core.webhook', {}, loose({ dedupeKey: 5 }))).rejects.toThrow(/dedupeKey: Invalid input: expected string/);
      await expect(attune.run('core.echo', { message: 'x' }, loose({ timeout: 5 }))).rejects.toThrow(/unknown key "timeout" \(did you mean "timeoutMs"\?\)/);
      await expect(attune.gc(loose({ olderThanMs: 'x' }))).rejects.toThrow(/gc options: olderThanMs/);
      expect(await attune.executions.list({ status: 'running' })).toEqual([]);
    } finally {
      await disposeAttune(attune);
    }
  });

  it('refuses misspelt or missing keys of defineAction and defineTrigger', () => {
    expect(() => defineAction(loose({ ref: 'x.y', parameters: {}, handle: async () => 1 }))).toThrow(/unknown key "handle" \(did you mean "handler"\?\)/);
    expect(() => defineAction(loose({ ref: 'x.y', parameters: {} }))).toThrow('action x.y: handler must be a function, got undefined');
    expect(() => defineAction(loose({ ref: 'x.y', parameters: {}, timeoutMs: '5s', handler: async () => 1 }))).toThrow(/timeoutMs must be a positive integer/);
    expect(() => defineTrigger(loose({ ref: 'x.t' }))).toThrow(/payload is required/);
    expect(() => defineTrigger(loose({ ref: 'x.t', payloadSchema: {} }))).toThrow(/unknown key "payloadSchema"/);
  });

  it('refuses a trigger payload schema that checks nothing, a non-function handler and a pack directory that is not a path', async () => {
    expect(() => defineTrigger({ ref: 'x.t', payload: loose({ type: 'object', propertise: { a: { type: 'string' } } }) })).toThrow(
      'trigger x.t: payload_schema.propertise: unknown keyword "propertise" (did you mean "properties"?)',
    );
    expect(() =>
      defineTrigger({ ref: 'x.t', payload: loose({ type: 'object', properties: { a: { type: 'string', maxLenght: 3, format: 'email' } } }) }),
    ).toThrow(/properties\.a\.maxLenght: unknown keyword "maxLenght" \(did you mean "maxLength"\?\)$/);
    expect(() => defineTrigger({ ref: 'x.t', payload: z.string() })).toThrow(/type must be "object", got "string"/);
    expect(() => defineAction(loose({ ref: 'x.y', parameters: { ab: { type: 'string' } }, secrets: 'ab', handler: async () => 1 }))).toThrow(
      /secrets must be an array of parameter names, got "ab"/,
    );
    const attune = await testAttune('lib-mistakes-more');
    try {
      expect(() => attune.actions.handle('x.y', loose('notfn'))).toThrow('actions.handle("x.y"): handler must be a function, got string');
      await expect(attune.packs.load(loose(undefined))).rejects.toThrow('pack directory must be a path (a non-empty string), got undefined');
    } finally {
      await disposeAttune(attune);
    }
  });
});
