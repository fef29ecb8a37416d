/** The workflow language: strict schema, graph checks and templates, each error naming the task and field. */
import { describe, expect, it } from 'vitest';
import { parseWorkflow, startTasks } from '../../src/workflows/validate.ts';

const ok = {
  vars: { n: 1 },
  tasks: {
    a: { action: 'core.echo', input: { message: '{{ input.x }}' }, next: [{ when: 'succeeded', publish: { y: '{{ result.stdout }}' }, do: 'b, c' }] },
    b: { action: 'core.noop', next: [{ do: ['d'] }] },
    c: { action: 'core.noop', next: [{ do: ['d'] }] },
    d: { join: 'all', action: 'core.noop', next: [{ when: 'failed', do: 'fail' }] },
  },
  output: { y: '{{ ctx.y }}' },
};

function problem(def: unknown): string {
  try {
    parseWorkflow(def, 'wf');
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describe('workflow definitions', () => {
  it('a valid definition parses: `do` as a comma list, defaults filled in, start tasks found', () => {
    const def = parseWorkflow(ok, 'wf');
    expect(def.tasks.a?.next[0]?.do).toEqual(['b', 'c']);
    expect(def.tasks.b?.input).toEqual({});
    expect(startTasks(def)).toEqual(['a']);
  });

  it('refuses an unknown key, naming its path', () => {
    expect(problem({ tasks: { a: { action: 'core.noop', retries: 3 } } })).toMatch(/wf: tasks\.a: .*retries/);
    expect(problem({ tasks: { a: { action: 'core.noop', next: [{ go: 'b' }] } } })).toMatch(/go/);
  });

  it('refuses a `do` naming an unknown task, with the task and field', () => {
    expect(problem({ tasks: { a: { action: 'core.noop', next: [{ do: 'nope' }] } } })).toContain('task "a" field next[0].do: unknown task "nope"');
  });

  it('refuses an unreachable task', () => {
    const def = { tasks: { a: { action: 'core.noop' }, b: { action: 'core.noop', next: [{ do: 'c' }] }, c: { action: 'core.noop', next: [{ do: 'b' }] } } };
    expect(problem(def)).toContain('task "b": unreachable from the start tasks (a)');
  });

  it('refuses a bad template or condition, naming the task and field', () => {
    expect(problem({ tasks: { a: { action: 'core.echo', input: { message: '{{ x | nosuchfilter }}' } } } })).toContain('tasks.a.input.message');
    expect(problem({ tasks: { a: { action: 'core.noop', next: [{ when: 'x | nope', do: 'b' }] }, b: {} } })).toContain('tasks.a.next[0].when');
    expect(problem({ tasks: { a: { action: 'core.noop', next: [{ publish: { v: '{% if %}' } }] } } })).toContain('tasks.a.next[0].publish.v');
  });

  it('refuses a join waiting for more transitions than lead in, and a task named like an engine command', () => {
    expect(problem({ tasks: { a: { action: 'core.noop', next: [{ do: 'b' }] }, b: { join: 3, action: 'core.noop' } } })).toContain('task "b" field join');
    expect(problem({ tasks: { fail: { action: 'core.noop' } } })).toContain('task "fail": the name is an engine command');
  });
});
