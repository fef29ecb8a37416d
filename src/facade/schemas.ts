/** The zod schemas and value lists the surfaces (CLI, HTTP) validate with, taken from the layers below. */
export { ruleFileSchema } from '../packs/schema.ts';
export { apiRole, apiRoles, type ApiRole, type ApiKeyRecord } from '../db/api-keys-repo.ts';
export { executionStatuses } from '../domain/execution-lifecycle.ts';
export { enforcementStatuses } from '../db/enforcements-repo.ts';
export { AttuneError, NotFoundError, ValidationError, isTransient, toError } from '../errors.ts';
export type { WebhookDelivery, WebhookOutcome } from '../triggers/webhook-receive.ts';
export type { ExecutionChange, OutputLine } from './live.ts';
