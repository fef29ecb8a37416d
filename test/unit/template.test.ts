import { describe, it, expect } from 'vitest';
import { renderParameters, TemplateError, validateTemplates, type TemplateContext } from '../../src/rules/template.ts';

const ctx: TemplateContext = {
  event: {
    id: 'ev-1',
    trigger: 'monitoring.alert',
    payload: {
      host: 'web-01',
      count: 5,
      ratio: 0.25,
      ok: true,
      off: false,
      nothing: null,
      zero: 0,
      empty: '',
      alert: { severity: 'critical', tags: ['a', 'b'] },
      list: [1, 2, 3],
      name: 'Ada Lovelace',
    },
    occurred_at: '2024-06-01T12:00:00.000Z',
  },
  rule: { ref: 'ops.page_oncall', pack: 'ops' },
  system: { region: 'eu-west-1', retries: 3 },
};

const render = (template: unknown): unknown => renderParameters({ v: template }, ctx).v;

describe('renderParameters: a lone {{ expr }} keeps the JSON type of its value', () => {
  it.each<[string, unknown]>([
    ['{{ event.payload.count }}', 5],
    ['{{ payload.ratio }}', 0.25],
    ['{{ payload.ok }}', true],
    ['{{ payload.off }}', false],
    ['{{ payload.zero }}', 0],
    ['{{ payload.empty }}', ''],
    ['{{ payload.host }}', 'web-01'],
    ['{{ payload.alert }}', { severity: 'critical', tags: ['a', 'b'] }],
    ['{{ payload.alert.tags }}', ['a', 'b']],
    ['{{ payload.list }}', [1, 2, 3]],
    ['{{ payload.nothing }}', null],
    ['{{payload.count}}', 5],
    ['{{- payload.count -}}', 5],
    ['{{ trigger.count }}', 5],
    ['{{ event.id }}', 'ev-1'],
    ['{{ event.trigger }}', 'monitoring.alert'],
    ['{{ event.occurred_at }}', '2024-06-01T12:00:00.000Z'],
    ['{{ rule.ref }}', 'ops.page_oncall'],
    ['{{ rule.pack }}', 'ops'],
    ['{{ system.retries }}', 3],
    ['{{ payload.alert.tags[1] }}', 'b'],
    ['{{ payload.alert.tags.first }}', 'a'],
    ['{{ payload.list.size }}', 3],
    ['{{ 42 }}', 42],
    ['{{ true }}', true],
    ["{{ 'text' }}", 'text'],
  ])('%s → %j', (template, expected) => {
    expect(render(template)).toEqual(expected);
  });
});

describe('renderParameters: missing values', () => {
  it.each<[string, unknown]>([
    ['{{ payload.missing }}', null],
    ['{{ payload.missing.deeper }}', null],
    ['{{ nope }}', null],
    ['{{ nil }}', null],
    ['{{ payload.missing | default: 3 }}', 3],
    ["{{ payload.missing | default: 'n/a' }}", 'n/a'],
    ['{{ payload.count | default: 3 }}', 5],
    ['[{{ payload.missing }}]', '[]'],
    ['a{{ nope }}b', 'ab'],
  ])('%s → %j', (template, expected) => {
    expect(render(template)).toEqual(expected);
  });
});

describe('renderParameters: mixed text renders to a string', () => {
  it.each<[string, string]>([
    ['host={{ payload.host }}', 'host=web-01'],
    ['{{ payload.count }} items', '5 items'],
    ['{{ payload.host }} {{ payload.count }}', 'web-01 5'],
    ['{{ payload.ok }}!', 'true!'],
    ['alert: {{ payload.alert }}', 'alert: {"severity":"critical","tags":["a","b"]}'],
    ['tags: {{ payload.alert.tags }}', 'tags: ["a","b"]'],
    ['n={{ payload.nothing }}', 'n='],
    [' {{ payload.count }}', ' 5'],
    ['{{ payload.count }}\n', '5\n'],
    ['{% if payload.ok %}yes{% else %}no{% endif %}', 'yes'],
    ['{% for t in payload.alert.tags %}{{ t }};{% endfor %}', 'a;b;'],
    ['{% assign x = payload.count | plus: 1 %}{{ x }}', '6'],
  ])('%s → %j', (template, expected) => {
    expect(render(template)).toBe(expected);
  });
});

describe('renderParameters: filters', () => {
  it.each<[string, unknown]>([
    ['{{ payload.name | upper }}', 'ADA LOVELACE'],
    ['{{ payload.name | lower }}', 'ada lovelace'],
    ['{{ payload.name | upcase }}', 'ADA LOVELACE'],
    ['{{ payload.name | downcase }}', 'ada lovelace'],
    ['{{ payload.missing | upper }}', ''],
    ['{{ payload.count | upper }}', '5'],
    ['{{ payload.alert | json }}', '{"severity":"critical","tags":["a","b"]}'],
    ['{{ payload.alert.tags | join: "," }}', 'a,b'],
    ['{{ payload.list | size }}', 3],
    ['{{ payload.count | plus: 1 }}', 6],
    ['{{ payload.host | split: "-" }}', ['web', '01']],
    ['{{ payload.host | append: ".example.com" | upper }}', 'WEB-01.EXAMPLE.COM'],
    ['Hello {{ payload.name | split: " " | first | upper }}!', 'Hello ADA!'],
  ])('%s → %j', (template, expected) => {
    expect(render(template)).toEqual(expected);
  });
});

describe('renderParameters: structure', () => {
  it('leaves strings without template markers and non-strings untouched', () => {
    const params = { a: 'plain', b: '{ not a template }', c: '100%}', d: 5, e: true, f: null, g: 1.5, h: '{single}' };
    expect(renderParameters(params, ctx)).toEqual(params);
  });

  it('recurses through objects and arrays', () => {
    const params = {
      url: 'https://{{ payload.host }}/alerts',
      body: { severity: '{{ payload.alert.severity | upper }}', count: '{{ payload.count }}', tags: ['{{ payload.alert.tags[0] }}', 'x', 7] },
      matrix: [['{{ payload.ok }}'], [{ deep: '{{ system.region }}' }]],
    };
    expect(renderParameters(params, ctx)).toEqual({
      url: 'https://web-01/alerts',
      body: { severity: 'CRITICAL', count: 5, tags: ['a', 'x', 7] },
      matrix: [[true], [{ deep: 'eu-west-1' }]],
    });
  });

  it('does not modify the parameters it was given', () => {
    const params = { a: '{{ payload.count }}', b: { c: ['{{ payload.ok }}'] } };
    const copy = structuredClone(params);
    renderParameters(params, ctx);
    expect(params).toEqual(copy);
  });

  it('keeps a "__proto__" key as a plain key', () => {
    const params = JSON.parse('{"__proto__": {"x": "{{ payload.count }}"}}') as Record<string, unknown>;
    const out = renderParameters(params, ctx);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 5 });
  });

  it('renders a cached template against each new context', () => {
    const params = { h: 'host {{ payload.host }}', n: '{{ payload.count }}' };
    const other: TemplateContext = { ...ctx, event: { ...ctx.event, payload: { host: 'db-02', count: 9 } } };
    expect(renderParameters(params, ctx)).toEqual({ h: 'host web-01', n: 5 });
    expect(renderParameters(params, other)).toEqual({ h: 'host db-02', n: 9 });
  });
});

describe('renderParameters: sandbox', () => {
  it.each<[string, unknown]>([
    ['{{ payload.constructor }}', null],
    ['{{ payload.__proto__ }}', null],
    ['{{ payload.host.constructor }}', null],
    ['{{ payload.toString }}', null],
  ])('%s → %j (own properties only)', (template, expected) => {
    expect(render(template)).toEqual(expected);
  });

  it.each(['{% include "/etc/passwd" %}', "{% render 'x' %}", "{% layout 'x' %}"])('refuses %s', (template) => {
    expect(() => render(template)).toThrow(/tag is not available in parameter templates/);
  });

  it('stops a runaway loop with a TemplateError', () => {
    expect(() => render('{% for i in (1..100000000) %}{{ i }}{% endfor %}')).toThrow(TemplateError);
  });
});

describe('renderParameters: errors', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['unknown filter', { msg: '{{ payload.host | shout }}' }, 'msg', /undefined filter: shout/],
    ['unknown filter in text', { msg: 'x {{ payload.host | nope }}' }, 'msg', /undefined filter: nope/],
    ['unclosed output', { a: { b: ['ok', '{{ payload.host'] } }, 'a.b[1]', /not closed/],
    ['unclosed tag', { cmd: '{% if payload.ok %}yes' }, 'cmd', /not closed/],
    ['unknown tag', { cmd: '{% exec "rm" %}' }, 'cmd', /tag "exec" not found/],
  ])('%s throws a TemplateError naming the parameter', (_name, params, path, cause) => {
    let caught: unknown;
    try {
      renderParameters(params, ctx);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect(caught).toBeInstanceOf(Error);
    const err = caught as TemplateError;
    expect(err.code).toBe('ATTUNE_TEMPLATE');
    expect(err.name).toBe('TemplateError');
    expect(err.path).toBe(path);
    expect(err.message.startsWith(`parameter "${path}": `)).toBe(true);
    expect(err.message).toMatch(cause);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('validateTemplates', () => {
  it('accepts valid templates and ignores everything else', () => {
    expect(
      validateTemplates({
        a: '{{ payload.x | default: 1 | upper }}',
        b: ['plain', 3, null, { c: '{% if trigger.ok %}y{% endif %}' }],
        d: '{{ undefined.variables.are.fine }}',
      }),
    ).toEqual([]);
  });

  it('reports each problem with its parameter path, without rendering', () => {
    const problems = validateTemplates({
      a: '{{ x | nope }}',
      b: ['ok', { c: '{{ x' }],
      d: '{% include "secrets" %}',
      e: '{{ fine }}',
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^parameter "a": undefined filter: nope/);
    expect(problems[1]).toMatch(/^parameter "b\[1\]\.c": output "\{\{ x" not closed/);
    expect(problems[2]).toMatch(/^parameter "d": the "include" tag is not available/);
  });
});
