/**
 * Code-defined workflows: your own xstate machine (made with `setup()`), registered under an
 * action ref as a `runtime: workflow` action. The workflow actor runs it exactly like a compiled
 * YAML workflow: each step restores the machine from its persisted snapshot, sends it the
 * finished children, and commits the new snapshot with the children it asked for. So the machine
 * must be pure and its context JSON: effects are only the action requests it emits
 * (`requestAction`), which the actor commits; a child's outcome comes back as `CHILD_FINISHED`.
 * Checked here at registration (no `invoke`, no `after`, no actors, a final state), and by the
 * actor at every step (JSON context, no spawned actors, valid requests).
 */
import { emit, type AnyStateMachine, type EventObject, type MachineContext } from 'xstate';
import { z } from 'zod';
import { codeParameters, type ParamsIn } from '../actions/define-action.ts';
import type { ZodSchema } from '../actions/code-schema.ts';
import type { ParametersSpec, ParametersSpecInput } from '../actions/parameters.ts';
import type { ExecutionStatus } from '../domain/execution-lifecycle.ts';
import { ValidationError } from '../errors.ts';

/** The type of the event a machine emits to ask for a child execution. */
export const ACTION_REQUEST = 'attune.request';

/** What a machine emits (`requestAction`, or xstate's `emit`) to ask for one child execution. */
export interface ActionRequest {
  type: typeof ACTION_REQUEST;
  /** Your name for the child (stored as its task name, echoed in `CHILD_FINISHED`). */
  task: string;
  /** The action ref, `<pack>.<name>`. */
  action: string;
  /** Its parameters (JSON), checked against the action like a manual run's. */
  input?: Record<string, unknown>;
  /** An index of yours, for fan-out (stored as the child's item index, echoed back). */
  item?: number | null;
  timeoutMs?: number | null;
}

/** What the machine receives when a child it asked for has ended (as the compiled YAML machines do). */
export interface ChildFinishedEvent {
  type: 'CHILD_FINISHED';
  /** Unique per workflow, given by the actor when it committed the request. */
  seq: number;
  task: string;
  item: number | null;
  status: ExecutionStatus;
  /** The child's result (an in-process handler's return value, a script's stdout …). */
  result: unknown;
  /** Why it failed when it did not run (unknown action, bad parameters), or null. */
  reason: string | null;
}

/** The events the actor sends a workflow machine: `CHILD_FINISHED`, and `PAUSE` / `RESUME` if the machine handles both. */
export type WorkflowMachineEvent = ChildFinishedEvent | { type: 'PAUSE' } | { type: 'RESUME' };

/** The machine's `input`: the workflow's stored parameters and its execution. */
export interface WorkflowInput<P = Record<string, unknown>> {
  input: P;
  workflow: { id: number; trace: string };
}

export const actionRequestSchema = z.strictObject({
  type: z.literal(ACTION_REQUEST),
  task: z.string().min(1).max(200),
  action: z.string().regex(/^[a-z0-9_][a-z0-9_-]*\.[a-z0-9_][a-z0-9_.-]*$/i, 'an action ref is "<pack>.<name>"'),
  input: z.record(z.string(), z.unknown()).default({}),
  item: z.number().int().nonnegative().nullable().default(null),
  timeoutMs: z.number().int().positive().nullable().default(null),
});

type RequestArgs<C, E> = { context: C; event: E };
/**
 * An xstate action asking for one child execution: `entry: requestAction({ task, action, input })`,
 * or with a function of `{ context, event }`. It is xstate's `emit()` of an `attune.request`.
 */
export function requestAction<C extends MachineContext, E extends EventObject>(
  request: Omit<ActionRequest, 'type'> | ((args: RequestArgs<C, E>) => Omit<ActionRequest, 'type'>),
) {
  return emit<C, E, undefined, E, ActionRequest>((args) => ({ type: ACTION_REQUEST, ...(typeof request === 'function' ? request(args) : request) }));
}

/** How a code workflow is stored in `action.workflow` (the machine itself lives in the processes that register it). */
export interface CodeWorkflowMarker {
  code: true;
  /** The machine handles `PAUSE` and `RESUME`: `attune workflow pause` is allowed. */
  pausable: boolean;
}

export function isCodeWorkflow(stored: unknown): stored is CodeWorkflowMarker {
  return typeof stored === 'object' && stored !== null && (stored as { code?: unknown }).code === true;
}

export interface WorkflowDefinitionInput<Ref extends string, S> {
  ref: Ref;
  description?: string;
  /** A zod object schema, or parameters as in an action YAML; absent: none. */
  parameters?: S;
  secrets?: readonly string[];
  machine: AnyStateMachine;
}

export interface WorkflowDefinition<Ref extends string = string, In = Record<string, unknown>> {
  readonly kind: 'workflow';
  readonly ref: Ref;
  readonly description: string;
  readonly parameters: ParametersSpec;
  readonly machine: AnyStateMachine;
  readonly marker: CodeWorkflowMarker;
  readonly check: (params: Record<string, unknown>) => void;
  readonly __params?: In;
}

interface NodeLike {
  key: string;
  type: string;
  invoke: unknown[];
  after: unknown[];
  states: Record<string, NodeLike>;
}

function stateProblems(node: NodeLike, path: string): string[] {
  const where = path || '(root)';
  const out: string[] = [];
  if (node.invoke.length > 0) out.push(`state ${where}: \`invoke\` (a code workflow may not run actors; request an action instead)`);
  if (node.after.length > 0) out.push(`state ${where}: \`after\` (a delayed transition does not survive the restore of the next step)`);
  for (const [key, child] of Object.entries(node.states)) out.push(...stateProblems(child, path ? `${path}.${key}` : key));
  return out;
}

/** Every reason the machine cannot run as a durable workflow; empty when it can. */
export function machineProblems(machine: unknown): string[] {
  const m = machine as Partial<AnyStateMachine> | null;
  if (!m || typeof m !== 'object' || typeof m.getInitialSnapshot !== 'function' || !m.root)
    return ['machine: not an xstate machine (use setup({...}).createMachine({...}))'];
  const problems = stateProblems(m.root, '');
  const actors = Object.keys(m.implementations?.actors ?? {});
  if (actors.length > 0) problems.push(`setup actors (${actors.join(', ')}): a code workflow may not run actors; request an action instead`);
  const finals = Object.values((m.root as unknown as NodeLike).states).filter((s) => s.type === 'final');
  if (finals.length === 0) problems.push('no top-level final state: the workflow would never end');
  return problems;
}

/** A code-defined workflow: checked now, registered by `createAttune({ definitions })`, stored like a pack action by `start()`. */
export function defineWorkflow<const Ref extends string, const S extends ZodSchema | ParametersSpecInput = Record<never, never>>(
  input: WorkflowDefinitionInput<Ref, S>,
): WorkflowDefinition<Ref, ParamsIn<S>> {
  const what = `workflow ${input.ref}`;
  const { spec, parse } = codeParameters(input.ref, input.parameters ?? {}, input.secrets, what);
  const problems = machineProblems(input.machine);
  if (problems.length > 0) throw new ValidationError(`${what}: ${problems.join('; ')}`);
  const events = input.machine.events;
  return {
    kind: 'workflow',
    ref: input.ref,
    description: input.description ?? '',
    parameters: spec,
    machine: input.machine,
    marker: { code: true, pausable: events.includes('PAUSE') && events.includes('RESUME') },
    check: (params) => void parse(params),
  };
}

/** Where a value is not JSON (a function, a Date, a Map, NaN …), as a path; null when it is. */
export function jsonProblem(value: unknown, path = 'context'): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${path} is a ${value.constructor?.name ?? 'class instance'}`;
    for (const [k, v] of Object.entries(value)) {
      const p = jsonProblem(v, `${path}.${k}`);
      if (p) return p;
    }
    return null;
  }
  return `${path} is a ${typeof value}`;
}
