/** The JSON-schema subset of trigger payload schemas: every keyword, and messages naming the path. */
import { describe, expect, it } from 'vitest';
import { checkSchema, validatePayload } from '../../src/triggers/payload-schema.ts';

const alert = {
  type: 'object',
  required: ['severity', 'host'],
  additionalProperties: false,
  properties: {
    severity: { type: 'string', enum: ['low', 'high'] },
    host: { type: 'string', minLength: 1, maxLength: 10 },
    count: { type: 'integer', minimum: 0, maximum: 5 },
    ratio: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
    extra: { type: ['object', 'null'] },
  },
};

describe('validatePayload', () => {
  const cases: [string, unknown, string[]][] = [
    ['a fitting payload', { severity: 'high', host: 'db1', count: 2, tags: ['a'], extra: null }, []],
    ['a missing required key', { severity: 'high' }, ['payload.host: is required']],
    ['a wrong type', { severity: 'high', host: 7 }, ['payload.host: expected string, got number']],
    ['a value outside the enum', { severity: 'mid', host: 'x' }, ['payload.severity: must be one of ["low","high"], got "mid"']],
    ['an integer that is not', { severity: 'low', host: 'x', count: 1.5 }, ['payload.count: expected integer, got number']],
    ['a number below the minimum', { severity: 'low', host: 'x', count: -1 }, ['payload.count: must be >= 0, got -1']],
    ['a number above the maximum', { severity: 'low', host: 'x', count: 6 }, ['payload.count: must be <= 5, got 6']],
    ['a string too short', { severity: 'low', host: '' }, ['payload.host: must be at least 1 characters']],
    ['a string too long', { severity: 'low', host: 'abcdefghijk' }, ['payload.host: must be at most 10 characters']],
    ['an array item of the wrong type', { severity: 'low', host: 'x', tags: ['a', 1] }, ['payload.tags[1]: expected string, got number']],
    ['a type list', { severity: 'low', host: 'x', extra: 'no' }, ['payload.extra: expected object or null, got string']],
    [
      'an extra key with additionalProperties false',
      { severity: 'low', host: 'x', other: 1 },
      ['payload.other: is not allowed (additionalProperties is false)'],
    ],
    ['NaN is no number', { severity: 'low', host: 'x', ratio: Number.NaN }, ['payload.ratio: expected number, got number']],
    ['a non-object payload', [1], ['payload: expected object, got array']],
  ];
  it.each(cases)('%s', (_name, payload, expected) => {
    expect(validatePayload(alert, payload)).toEqual(expected);
  });

  it('reports every problem, not just the first', () => {
    expect(validatePayload(alert, { severity: 'x' })).toHaveLength(2);
  });

  it('accepts anything under an empty schema and ignores unknown keywords such as format', () => {
    expect(validatePayload({}, { anything: [1, { b: null }] })).toEqual([]);
    expect(validatePayload({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }, { at: 'soon' })).toEqual([]);
  });

  it('refuses a schema that misuses the subset, naming the keyword', () => {
    expect(checkSchema({ type: 'thing' })[0]).toMatch(/^payload_schema\.type/);
    expect(validatePayload({ required: 'host' }, {})[0]).toMatch(/payload_schema is unusable: payload_schema\.required/);
    expect(checkSchema({ type: 'object', properties: { a: { type: 'string' } } })).toEqual([]);
  });
});
