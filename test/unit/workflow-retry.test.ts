/**
 * Workflow retry delays: `retry.delay` (× `factor` per attempt, at most `max`) is asked for with the
 * retried child, deterministically (a replayed step asks the same), and a bad duration is refused
 * at load with the field named.
 */
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { retryDelayMs } from '../../src/workflows/engine.ts';
import { compileWorkflow } from '../../src/workflows/machine.ts';
import { parseWorkflow } from '../../src/workflows/validate.ts';

const flaky = (retry: Record<string, unknown>) => parseWorkflow({ tasks: { t: { action: 'core.noop', retry } } }, 'wf');

describe('workflow retry delays', () => {
  it('delay × factor^(attempt − 1), capped at max; no delay: none', () => {
    const retry = flaky({ count: 5, delay: '1s', factor: 2, max: '3s' }).tasks.t!.retry!;
    expect([1, 2, 3, 4].map((a) => retryDelayMs(retry, a))).toEqual([1000, 2000, 3000, 3000]);
    expect(retryDelayMs(flaky({ count: 2 }).tasks.t!.retry!, 1)).toBe(0);
    expect(retryDelayMs(flaky({ count: 2, delay: 250 }).tasks.t!.retry!, 3)).toBe(250);
  });

  it('the retried child carries its delay; the first attempt none', () => {
    const machine = compileWorkflow('t.wf', flaky({ count: 2, delay: '2s', factor: 3 }));
    const a = createActor(machine, { input: { input: {}, workflow: { id: 1, trace: 't' } } }).start();
    expect(a.getSnapshot().context.outbox.map((r) => r.delayMs)).toEqual([undefined]);
    a.send({ type: 'CHILD_FINISHED', seq: 1, status: 'failed', result: null });
    a.send({ type: 'CHILD_FINISHED', seq: 2, status: 'timeout', result: null });
    expect(a.getSnapshot().context.outbox.map((r) => [r.attempt, r.delayMs])).toEqual([[3, 6000]]);
    a.stop();
  });

  it('a bad delay is refused at load, naming the field', () => {
    expect(() => flaky({ count: 2, delay: 'soon' })).toThrow('wf: tasks.t.retry.delay: "soon" is not a duration');
    expect(() => flaky({ count: 2, factor: 0.5 })).toThrow(/retry\.factor/);
  });
});

describe('workflow variables', () => {
  it('retry.when sees succeeded and failed, as docs/workflows.md says: `when: failed` retries', () => {
    const machine = compileWorkflow('t.wf', flaky({ count: 1, when: 'failed and status == "failed"' }));
    const a = createActor(machine, { input: { input: {}, workflow: { id: 1, trace: 't' } } }).start();
    a.send({ type: 'CHILD_FINISHED', seq: 1, status: 'failed', result: null });
    expect(a.getSnapshot().context.outbox.map((r) => r.attempt)).toEqual([2]);
    a.stop();
  });

  it('a variable no scope has (`when: sucseeded`, `{{ inptu.x }}`) is refused at load, naming the field and the variables there', () => {
    const wf = (task: Record<string, unknown>) => () => parseWorkflow({ tasks: { t: { action: 'core.noop', ...task } } }, 'wf');
    expect(wf({ next: [{ when: 'sucseeded', do: 'fail' }] })).toThrow(
      'wf: condition "tasks.t.next[0].when": no variable "sucseeded" (did you mean "succeeded"?); known there: input, ctx, workflow, result, status, succeeded, failed',
    );
    expect(wf({ input: { m: 'hi {{ inptu.x }}' } })).toThrow(
      'wf: parameter "tasks.t.input.m": no variable "inptu" (did you mean "input"?); known there: input, ctx, workflow',
    );
    expect(wf({ input: { m: '{{ item }}' } })).toThrow(/no variable "item"/); // item is only for a with-items task
    expect(wf({ retry: { count: 1, when: 'faled' } })).toThrow(/retry\.when": no variable "faled" \(did you mean "failed"\?\)/);
    // locals, literals and every variable of its place are fine
    expect(
      wf({
        input: { m: '{% for i in ctx.l %}{{ i }}{% endfor %}{{ workflow.id }}' },
        next: [{ when: 'succeeded and result.x == nil', publish: { y: '{{ status }}' } }],
      }),
    ).not.toThrow();
    expect(wf({ with: { items: '{{ input.hosts }}' }, input: { h: '{{ item }}-{{ index }}' } })).not.toThrow();
  });
});
