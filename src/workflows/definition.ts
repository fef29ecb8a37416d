/**
 * The workflow language (Orquesta's model, written with our Liquid templates): `input`, `vars`,
 * `tasks` with `action`, `input`, `next: [{ when, publish, do }]`, `join`, `with`, `retry`,
 * `timeout`, the engine commands `fail` and `succeed` in `do`, and `output`. Strict: an unknown
 * key is refused with its path.
 */
import { z } from 'zod';
import { duration } from '../domain/policy-schema.ts';

export const taskName = z.string().regex(/^[a-z_][a-z0-9_]*$/i, 'task names hold letters, digits and "_"');
/** `do` targets that are not tasks: end the workflow failed / succeeded. */
export const engineCommands = ['fail', 'succeed'] as const;
const actionRef = z.string().regex(/^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$/i, 'an action ref is "<pack>.<name>"');
const templated = z.record(z.string(), z.unknown());

export const transitionSchema = z.strictObject({
  /** A Liquid condition on the task's outcome (`succeeded`, `failed`, `status`) and `result`; absent: always. */
  when: z.string().min(1).optional(),
  /** Values rendered into the workflow context (`ctx`), in order. */
  publish: templated.default({}),
  /** Tasks to start (or `fail` / `succeed`); a comma-separated string is accepted, as in Orquesta. */
  do: z
    .union([z.string(), z.array(z.string())])
    .transform((d) => (Array.isArray(d) ? d : d.split(',')).map((s) => s.trim()).filter(Boolean))
    .default([]),
});

export const taskSchema = z.strictObject({
  /** Absent: a task that only routes (completes at once, succeeded). */
  action: actionRef.optional(),
  input: templated.default({}),
  next: z.array(transitionSchema).default([]),
  /** Wait for every inbound transition (`all`) or this many before starting. */
  join: z.union([z.literal('all'), z.number().int().positive()]).optional(),
  with: z
    .strictObject({
      /** A template giving a list (`{{ ctx.hosts }}`), or a literal list. */
      items: z.union([z.string(), z.array(z.unknown())]),
      /** How many items run at once; default: all. */
      concurrency: z.number().int().positive().optional(),
    })
    .optional(),
  /**
   * A failed attempt (failed, timeout, abandoned) is run again as a new child execution, up to
   * `count` times; after `delay` (× `factor` per attempt, at most `max`) when given: the child is
   * born `delayed` and the managers' delay sweeper starts it (a row, so the wait survives restarts).
   */
  retry: z
    .strictObject({
      count: z.number().int().positive().max(100),
      when: z.string().min(1).optional(),
      delay: duration.optional(),
      factor: z.number().min(1).max(10).optional(),
      max: duration.optional(),
    })
    .optional(),
  /** Seconds, per child execution. */
  timeout: z.number().positive().optional(),
});

export const workflowSchema = z.strictObject({
  version: z.union([z.string(), z.number()]).optional(),
  description: z.string().optional(),
  /** Values rendered once at start from `input` (and earlier vars), then in `ctx`. */
  vars: templated.default({}),
  tasks: z.record(taskName, taskSchema).refine((t) => Object.keys(t).length > 0, 'a workflow needs at least one task'),
  /** Rendered from `input` and `ctx` when the workflow succeeds: its result. */
  output: templated.default({}),
});

export type TransitionDef = z.infer<typeof transitionSchema>;
export type TaskDef = z.infer<typeof taskSchema>;
export type WorkflowDef = z.infer<typeof workflowSchema>;
