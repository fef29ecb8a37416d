/** One zod schema per message type; the TypeScript types are derived from them. */
import { z } from 'zod';
import { executionStatuses, reportedStatuses } from '../domain/execution-lifecycle.ts';
import type { StatusReport } from '../domain/report-folding.ts';

export const jsonObject = z.record(z.string(), z.unknown());

export const executionStatusSchema = z.enum(executionStatuses);

export const eventCreated = z.object({
  eventId: z.uuid(),
  trigger: z.string().min(1),
  triggerInstanceId: z.number().int().positive().nullable(),
  payload: jsonObject,
  dedupeKey: z.string().min(1).max(512).nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type EventCreated = z.infer<typeof eventCreated>;

export const executionRequested = z.object({
  executionId: z.number().int().positive(),
});
export type ExecutionRequested = z.infer<typeof executionRequested>;

/** Everything a worker needs to run an execution: workers have no database. */
export const executionScheduled = z.object({
  executionId: z.number().int().positive(),
  attempt: z.number().int().positive(),
  action: z.object({
    ref: z.string().min(1),
    runtime: z.string().min(1),
    command: z.string().nullable(),
    entryPoint: z.string().nullable(),
    packPath: z.string().nullable(),
  }),
  parameters: jsonObject,
  /** Secret parameters, still encrypted (`execution.secrets`): only the worker decrypts them. */
  secrets: z.string().nullable().optional(),
  timeoutMs: z.number().int().positive(),
});
export type ExecutionScheduled = z.infer<typeof executionScheduled>;

export const executionStatusReport = z.object({
  executionId: z.number().int().positive(),
  status: z.enum(reportedStatuses),
  workerId: z.string().min(1),
  at: z.iso.datetime({ offset: true }),
  result: jsonObject.nullable().optional(),
  exitCode: z.number().int().nullable().optional(),
  stdout: z.string().nullable().optional(),
  stderr: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  /** When the action started (a fast action's outcome carries it: no separate `running` report). */
  startedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  /** `result` was sent without its `stdout`, `stderr` and `exit_code` (they are the fields above): the reader puts them back. */
  resultOutput: z.boolean().optional(),
  /** `result`, `stdout` and `stderr` were too big for the message: they wait under the key `executionOutput(id)`. */
  outputStored: z.boolean().optional(),
}) satisfies z.ZodType<StatusReport>;
export type ExecutionStatusReport = z.infer<typeof executionStatusReport>;

export const ruleChanged = z.object({
  reason: z.string().min(1),
  refs: z.array(z.string()).default([]),
});
export type RuleChanged = z.infer<typeof ruleChanged>;

export const workerControl = z.object({
  command: z.literal('cancel'),
  executionId: z.number().int().positive(),
});
export type WorkerControl = z.infer<typeof workerControl>;

/** A workflow execution was scheduled: the workflow actor creates its machine and its first children. */
export const workflowStart = z.object({
  executionId: z.number().int().positive(),
});
export type WorkflowStart = z.infer<typeof workflowStart>;

/** A child execution of a workflow reached a terminal state (manager, workflow actor, sweeper). */
export const workflowChildFinished = z.object({
  workflowId: z.number().int().positive(),
  childId: z.number().int().positive(),
});
export type WorkflowChildFinished = z.infer<typeof workflowChildFinished>;

/** Cancel, pause or resume a running workflow. */
export const workflowControl = z.object({
  executionId: z.number().int().positive(),
  command: z.enum(['cancel', 'pause', 'resume']),
});
export type WorkflowControl = z.infer<typeof workflowControl>;

export const deadLetter = z.object({
  origin: z.string(),
  originType: z.string(),
  originId: z.string(),
  group: z.string(),
  consumer: z.string(),
  error: z.string(),
  deliveries: z.number().int(),
  fields: z.record(z.string(), z.string()),
});
export type DeadLetter = z.infer<typeof deadLetter>;
