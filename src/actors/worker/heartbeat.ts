/**
 * The worker's heartbeat: its registration (runtimes, load, last beat) rewritten into the worker
 * registry every `heartbeatMs`; the scheduler routes to live workers, the reconciler and other
 * workers treat a silent one as lost. Stopping removes the registration.
 */
import type { Logger } from 'pino';
import type { WorkerRegistration } from '../../domain/worker-selection.ts';
import { toError } from '../../errors.ts';
import { removeRegistration, writeRegistration, type RegistryStore } from '../../registry/worker-registry.ts';

export interface Heartbeat {
  stop(): Promise<void>;
}

export function startHeartbeat(store: RegistryStore, everyMs: number, registration: () => WorkerRegistration, log: Logger): Heartbeat {
  const beat = () => writeRegistration(store, registration()).catch((err: unknown) => log.warn({ err: toError(err).message }, 'heartbeat failed'));
  void beat();
  const timer = setInterval(() => void beat(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await removeRegistration(store, registration().id).catch((err: unknown) =>
        log.warn({ err: toError(err).message }, 'could not remove the registration; it shows dead after workerLiveMs'),
      );
    },
  };
}
