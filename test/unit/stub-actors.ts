/**
 * Stub actors for driving a pure machine by hand: every invocation of a stub waits until the test
 * settles it, and the test sees each invocation (its input, and whether the machine aborted it).
 */
import {
  SimulatedClock,
  createActor,
  fromPromise,
  type Actor,
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type ContextFrom,
  type EventFromLogic,
  type PromiseActorLogic,
  type StateValueFrom,
} from 'xstate';

export interface Invocation<T, I> {
  readonly input: I;
  readonly signal: AbortSignal;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export interface StubActor<T, I> {
  readonly logic: PromiseActorLogic<T, I>;
  /** Every invocation so far, oldest first. */
  readonly calls: Invocation<T, I>[];
  /** The latest invocation; fails the test when there is none. */
  last(): Invocation<T, I>;
}

export function stubActor<T, I = unknown>(name: string): StubActor<T, I> {
  const calls: Invocation<T, I>[] = [];
  const logic = fromPromise<T, I>(({ input, signal }) => new Promise<T>((resolve, reject) => calls.push({ input, signal, resolve, reject })));
  return {
    logic,
    calls,
    last() {
      const call = calls.at(-1);
      if (!call) throw new Error(`${name} was never invoked`);
      return call;
    },
  };
}

/** A stub effect (a plain async function given to a machine's provider): like `stubActor`, the test settles each call. */
export interface StubEffect<T, I> {
  readonly fn: (input: I) => Promise<T>;
  readonly calls: Invocation<T, I>[];
  last(): Invocation<T, I>;
}

export function stubEffect<T, I = unknown>(name: string): StubEffect<T, I> {
  const calls: Invocation<T, I>[] = [];
  const never = new AbortController().signal;
  const fn = (input: I) =>
    new Promise<T>((resolve, reject) => {
      const signal = (input as { signal?: AbortSignal }).signal ?? never;
      calls.push({ input, signal, resolve, reject });
    });
  return {
    fn,
    calls,
    last() {
      const call = calls.at(-1);
      if (!call) throw new Error(`${name} was never called`);
      return call;
    },
  };
}

/**
 * Lets settled promises reach the machine: a promise actor reports its result a few microtasks
 * later, and a macrotask runs after all of them. Not a sleep: nothing here waits on time.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A started machine on a simulated clock, and the views of it a test asserts on. */
export interface Driven<TMachine extends AnyStateMachine> {
  readonly actor: Actor<TMachine>;
  readonly clock: SimulatedClock;
  state(): StateValueFrom<TMachine>;
  context(): ContextFrom<TMachine>;
  /** Sends an event and lets the invoked actors start. */
  send(event: EventFromLogic<TMachine>): Promise<void>;
  /** Runs the clock forward by `ms` and lets the invoked actors start. */
  advance(ms: number): Promise<void>;
}

/** Starts machines on simulated clocks; `stopAll` in afterEach leaves none running. */
/** `input` may be built from the simulated clock, for a machine that arms its own timers through its input. */
type DriverInput = Record<string, unknown> | ((clock: SimulatedClock) => unknown);

export function machineDriver(): { start<TMachine extends AnyStateMachine>(machine: TMachine, input?: DriverInput): Driven<TMachine>; stopAll(): void } {
  const started: AnyActorRef[] = [];
  return {
    start<TMachine extends AnyStateMachine>(machine: TMachine, input?: DriverInput): Driven<TMachine> {
      const clock = new SimulatedClock();
      const resolved = typeof input === 'function' ? input(clock) : input;
      // createActor's options are not resolvable for a generic machine; the cast only names it back
      const actor = createActor(machine as AnyStateMachine, { clock, input: resolved }) as unknown as Actor<TMachine>;
      const snapshot = () => actor.getSnapshot() as AnyMachineSnapshot;
      started.push(actor);
      actor.start();
      return {
        actor,
        clock,
        state: () => snapshot().value as StateValueFrom<TMachine>,
        context: () => snapshot().context as ContextFrom<TMachine>,
        async send(event) {
          actor.send(event);
          await settle();
        },
        async advance(ms) {
          clock.increment(ms);
          await settle();
        },
      };
    },
    stopAll() {
      for (const actor of started.splice(0)) actor.stop();
    },
  };
}
