/**
 * What an in-process action handler is (`attune.actions.handle('app.send_mail', async (params, ctx) => …)`):
 * the contract between the embedding service, which registers handlers in the context, and the
 * worker, which calls them. Types only.
 */
import type { Logger } from 'pino';

export interface RunContext {
  executionId: number;
  actionRef: string;
  trace: string;
  attempt: number;
}

export interface HandlerContext extends RunContext {
  signal: AbortSignal;
  log: Logger;
}

/** An in-process action handler registered by the embedding service (runtime `node`). */
export type InProcessHandler = (params: Record<string, unknown>, ctx: HandlerContext) => Promise<unknown>;
