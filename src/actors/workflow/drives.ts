/**
 * How one step drives a workflow's machine: restore it (or create it on start), send it events,
 * collect the children it asks for, and read what to persist and whether it ended. A compiled
 * YAML machine lists its requests in `context.outbox` and ends in `succeeded` | `failed` |
 * `canceled`; a code-defined machine emits `attune.request` events (`workflows/code-workflow.ts`),
 * which get their `seq` here, and is checked after every step (JSON context, no actors). A code
 * workflow whose machine this process does not have ends `failed`, naming the ref.
 */
import { createActor, type AnyActor, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import type { ExecutionStatus } from '../../domain/execution-lifecycle.ts';
import { issuesLine, toError } from '../../errors.ts';
import { ACTION_REQUEST, actionRequestSchema, jsonProblem, type WorkflowInput } from '../../workflows/code-workflow.ts';
import type { StoredRun } from '../../db/workflow-store.ts';
import type { ChildRequest, StartSeed } from '../../workflows/engine.ts';
import type { WorkflowEvent, WorkflowMachine } from '../../workflows/machine.ts';

export interface WorkflowRow {
  id: number;
  status: ExecutionStatus;
  parameters: Record<string, unknown>;
  trace: string;
  action_ref: string;
  parent_id: number | null;
  workflow: unknown;
}

export type FinalStatus = 'succeeded' | 'failed' | 'canceled';

export interface DriveEnd {
  persisted: unknown;
  /** The machine's state as stored in `workflow_run.state`: the final status once it ended. */
  state: string;
  final: FinalStatus | null;
  result: Record<string, unknown>;
  reason: string | null;
  /** Unfinished children are to be canceled (the workflow is canceling, or failed with children running). */
  cancelChildren: boolean;
  /** The workflow ends `canceled` once no child is unfinished (the machine does not track it). */
  endsWithChildren: boolean;
}

export interface Drive {
  /** The children asked for so far in this step, in order. */
  readonly requests: ChildRequest[];
  send(event: WorkflowEvent): void;
  end(): DriveEnd;
}

function stateName(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function yamlDrive(machine: WorkflowMachine, wf: WorkflowRow, snapshot: unknown, seed: StartSeed | null): Drive {
  const input = { input: wf.parameters, workflow: { id: wf.id, trace: wf.trace } };
  const actor = snapshot
    ? createActor(machine, { snapshot: snapshot as SnapshotFrom<WorkflowMachine>, input })
    : createActor(machine, { input: { ...input, seed } });
  actor.start();
  const requests: ChildRequest[] = snapshot ? [] : [...actor.getSnapshot().context.outbox];
  return {
    requests,
    send(event) {
      actor.send(event);
      requests.push(...actor.getSnapshot().context.outbox);
    },
    end() {
      const s = actor.getSnapshot();
      const persisted = actor.getPersistedSnapshot();
      actor.stop();
      const final = s.status === 'done' ? (s.value as FinalStatus) : null;
      const c = s.context;
      return {
        persisted,
        state: stateName(s.value),
        final,
        result: { output: c.output ?? {}, tasks: c.tasks, ...(c.errors.length > 0 ? { errors: c.errors } : {}) },
        reason: c.errors.length > 0 ? c.errors.join('; ') : null,
        cancelChildren: s.value === 'canceling',
        endsWithChildren: false,
      };
    },
  };
}

/** A drive that only fails the workflow (its machine cannot run here) and keeps what was stored. */
function failing(reason: string, stored: unknown): Drive {
  return {
    requests: [],
    send: () => {},
    end: () => ({
      persisted: stored ?? {},
      state: 'failed',
      final: 'failed',
      result: { output: {}, errors: [reason] },
      reason,
      cancelChildren: true,
      endsWithChildren: false,
    }),
  };
}

export function unregisteredDrive(wf: WorkflowRow, stored: unknown, where: string): Drive {
  return failing(
    `workflow "${wf.action_ref}" is defined in code and its machine is not registered in this process (${where}): ` +
      'pass its defineWorkflow() to createAttune({ definitions }) in every process that runs the workflow actor',
    stored,
  );
}

/**
 * A code-defined machine. `nextSeq` is one past the largest `workflow_seq` of the workflow's
 * children (read under the workflow's row lock): a step replayed after a crash rolled back gets
 * the same numbers.
 */
export function codeDrive(machine: AnyStateMachine, wf: WorkflowRow, run: StoredRun | null, nextSeq: number): Drive {
  const stored = run?.snapshot;
  const requests: ChildRequest[] = [];
  const problems: string[] = [];
  let seq = nextSeq - 1;
  let canceling = false;
  let actor: AnyActor;
  try {
    const input: WorkflowInput = { input: wf.parameters, workflow: { id: wf.id, trace: wf.trace } };
    actor = stored ? createActor(machine, { snapshot: stored as SnapshotFrom<AnyStateMachine>, input }) : createActor(machine, { input });
    actor.subscribe({ error: () => {} }); // an action that throws: read from the snapshot in end()
    actor.on(ACTION_REQUEST, (event) => {
      const r = actionRequestSchema.safeParse(event);
      if (!r.success) return void problems.push(`the machine emitted an invalid ${ACTION_REQUEST}: ${issuesLine(r.error)}`);
      const bad = jsonProblem(r.data.input, `the input of task "${r.data.task}"`);
      if (bad) return void problems.push(`${bad}, not JSON`);
      requests.push({ seq: ++seq, task: r.data.task, item: r.data.item, attempt: 1, action: r.data.action, input: r.data.input, timeoutMs: r.data.timeoutMs });
    });
    actor.start();
  } catch (err) {
    return failing(`workflow "${wf.action_ref}": its machine cannot restore the stored snapshot (${toError(err).message})`, stored);
  }
  return {
    requests,
    send(event) {
      if (event.type === 'CANCEL') canceling = true;
      else if (!canceling) actor.send(event);
    },
    end() {
      const s = actor.getSnapshot() as SnapshotFrom<AnyStateMachine>;
      if (s.status === 'error') problems.push(`the machine threw: ${toError(s.error).message}`);
      const actors = Object.keys(s.children as Record<string, unknown>);
      if (actors.length > 0) problems.push(`the machine runs actors (${actors.join(', ')}); a code workflow may not invoke or spawn actors`);
      const notJson = jsonProblem(s.context) ?? (s.status === 'done' ? jsonProblem(s.output, 'output') : null);
      if (notJson) problems.push(`${notJson}, not JSON`);
      if (problems.length > 0) {
        actor.stop();
        requests.length = 0; // a failed workflow asks for nothing
        return failing(`workflow "${wf.action_ref}": ${problems.join('; ')}`, stored).end();
      }
      const persisted = actor.getPersistedSnapshot();
      actor.stop();
      if (canceling) return haltedDrive({ ...wf, status: 'canceling' }, { snapshot: persisted, state: 'canceling', steps: 0 }).end();
      const done = s.status === 'done' ? stateName(s.value) : null;
      const final: FinalStatus | null = done === null ? null : done === 'failed' || done === 'canceled' ? done : 'succeeded';
      const output = (s.status === 'done' ? (s.output ?? {}) : {}) as unknown;
      const error = (output as { error?: unknown } | null)?.error;
      return {
        persisted,
        state: final ?? stateName(s.value),
        final,
        result: { output },
        reason: final === 'failed' ? (typeof error === 'string' ? error : `the machine ended in its "${done}" state`) : null,
        cancelChildren: false,
        endsWithChildren: false,
      };
    },
  };
}

/**
 * A canceling code workflow's machine hears nothing more: its unfinished children are canceled
 * and it ends `canceled` once none is left. An ended one's machine hears nothing either.
 */
export function haltedDrive(wf: WorkflowRow, run: StoredRun | null): Drive {
  const canceling = wf.status === 'canceling';
  const end: DriveEnd = {
    persisted: run?.snapshot ?? {},
    state: canceling ? 'canceling' : (run?.state ?? wf.status),
    final: null,
    result: {},
    reason: null,
    cancelChildren: canceling,
    endsWithChildren: canceling,
  };
  return { requests: [], send: () => {}, end: () => end };
}
