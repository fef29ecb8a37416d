/**
 * Stub actors for driving a pure machine by hand: every invocation of a stub waits until the test
 * settles it, and the test sees each invocation (its input, and whether the machine aborted it).
 */
import { fromPromise, type AnyActorRef, type PromiseActorLogic } from 'xstate';

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

/**
 * Lets settled promises reach the machine: a promise actor reports its result a few microtasks
 * later, and a macrotask runs after all of them. Not a sleep: nothing here waits on time.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Actors a test started; `stopAll` in afterEach leaves none running. */
export function actorTracker(): { track<A extends AnyActorRef>(actor: A): A; stopAll(): void } {
  const started: AnyActorRef[] = [];
  return {
    track(actor) {
      started.push(actor);
      return actor;
    },
    stopAll() {
      for (const actor of started.splice(0)) actor.stop();
    },
  };
}
