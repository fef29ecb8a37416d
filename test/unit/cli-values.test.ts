// Pure: `name=value` parsing by declared type, and the sealing of secret / NUL-holding values.
import { describe, expect, it } from 'vitest';
import { parseAssignments } from '../../src/actions/cli-values.ts';
import { parametersSpecSchema } from '../../src/actions/parameters.ts';
import { decryptSecrets, deriveKey, encryptSecrets, maskDeep, secretTexts, splitSecrets, storable } from '../../src/actions/secrets.ts';

const spec = parametersSpecSchema.parse({
  s: { type: 'string' },
  i: { type: 'integer' },
  n: { type: 'number' },
  b: { type: 'boolean' },
  o: { type: 'object' },
  a: { type: 'array' },
  pw: { type: 'string', secret: true },
});

describe('parseAssignments', () => {
  it('parses each value by its declared type; text stays text', () => {
    expect(parseAssignments(spec, ['s=$(id) x=y', 'i=42', 'n=-1.5e2', 'b=no', 'o={"k":1}', 'a=[1,"2"]', 'extra=7'])).toEqual({
      s: '$(id) x=y',
      i: 42,
      n: -150,
      b: false,
      o: { k: 1 },
      a: [1, '2'],
      extra: '7',
    });
  });
  it.each([
    [['i=4.5'], 'parameter "i" must be of type integer, got "4.5"'],
    [['n='], 'parameter "n" must be of type number, got ""'],
    [['b=maybe'], 'parameter "b" must be a boolean (true/false), got "maybe"'],
    [['o={nope'], 'parameter "o" must be a JSON object, got "{nope"'],
    [['novalue'], 'expected name=value, got "novalue"'],
    [['s=1', 's=2'], 'parameter "s" is given twice'],
  ])('%j → %s', (args, message) => {
    expect(() => parseAssignments(spec, args)).toThrow(message);
  });
});

describe('sealed parameters', () => {
  it('masks secrets and seals them with NUL-holding values; only the right key opens them', () => {
    const { masked, sealed } = splitSecrets(spec, { s: 'a\0b', pw: 'hunter22', i: 1 });
    expect(masked).toEqual({ s: 'a\u2400b', pw: '********', i: 1 });
    expect(sealed).toEqual({ secrets: { pw: 'hunter22' }, verbatim: { s: 'a\0b' } });
    const blob = encryptSecrets(deriveKey('k'.repeat(16)), sealed!);
    expect(blob).not.toContain('hunter22');
    expect(decryptSecrets(deriveKey('k'.repeat(16)), blob)).toEqual(sealed);
    expect(() => decryptSecrets(deriveKey('x'.repeat(16)), blob)).toThrow('secret key differs');
    expect(splitSecrets(spec, { i: 1 }).sealed).toBeNull();
  });
  it('masks secret texts deep in results, as text and JSON-escaped; NUL becomes ␀', () => {
    const texts = secretTexts({ pw: 'p"w1' });
    expect(maskDeep({ out: 'x p"w1 y', nested: ['{"pw":"p\\"w1"}'], n: 3 }, texts)).toEqual({ out: 'x ******** y', nested: ['{"pw":"********"}'], n: 3 });
    expect(storable({ a: ['x\0y'] })).toEqual({ a: ['x\u2400y'] });
  });
});
