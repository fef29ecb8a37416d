/** The `attune` command. Reads REDIS_URL, DATABASE_URL, ATTUNE_NAMESPACE (see docs/cli.md). */
import { Command } from 'commander';
import { toError } from '../errors.ts';
import { oneLineUsageErrors, quietOnClosedStdout } from './shared.ts';
import { registerAdminCommands } from './commands/admin.ts';
import { registerApiKeyCommands } from './commands/apikey.ts';
import { registerDlqCommands } from './commands/dlq.ts';
import { registerEventCommands } from './commands/events.ts';
import { registerExecutionCommands } from './commands/executions.ts';
import { registerRuleCommands } from './commands/rules.ts';
import { registerRuntimeCommands } from './commands/runtime.ts';
import { registerRunCommand } from './commands/run.ts';
import { registerWorkersCommand } from './commands/workers.ts';
import { registerWorkflowCommands } from './commands/workflows.ts';

const program = new Command('attune').description('Attune for Node: event-driven automation on Redis Streams and PostgreSQL');

registerRuntimeCommands(program);
registerAdminCommands(program);
registerEventCommands(program);
registerExecutionCommands(program);
registerWorkflowCommands(program);
registerRuleCommands(program);
registerRunCommand(program);
registerWorkersCommand(program);
registerDlqCommands(program);
registerApiKeyCommands(program);
oneLineUsageErrors(program);
quietOnClosedStdout();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`attune: ${toError(err).message}`);
  process.exitCode = 1;
}
