/**
 * Crash points for the crash-window tests: when `ATTUNE_CRASH_AT` names this point, the process
 * really kills itself with SIGKILL here (no cleanup, no flush), exactly as a power cut would.
 * Points: `<actor>.before-commit`, `<actor>.after-commit`, `<actor>.before-ack`,
 * `worker.after-claim`, `worker.before-ack`.
 */
import type { ResolvedConfig } from './config.ts';

export function crashPoint(config: Pick<ResolvedConfig, 'crashAt'>, point: string): void {
  if (config.crashAt !== point) return;
  process.stderr.write(`attune: crash point ${point} reached: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
