/** `attune apikey create|list|revoke`: keys of the HTTP API. The key is printed once; only its hash is stored. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { apiRoles, type ApiRole } from '../../facade/schemas.ts';
import { positiveInt, withAttune } from '../shared.ts';
import { table } from '../format.ts';

function role(value: string): ApiRole {
  if (!(apiRoles as readonly string[]).includes(value)) throw new InvalidArgumentError(`unknown role "${value}" (known: ${apiRoles.join(', ')})`);
  return value as ApiRole;
}

export function registerApiKeyCommands(program: Command): void {
  const apikey = program
    .command('apikey')
    .description('API keys of the HTTP API (viewer reads, operator runs/cancels and toggles rules, admin manages keys, rules and packs)');
  apikey
    .command('create')
    .description('create a key and print it once')
    .addOption(new Option('--role <role>', apiRoles.join('|')).argParser(role).makeOptionMandatory())
    .option('--name <name>', 'what the key is for', '')
    .option('--json', 'print {"key": …}')
    .action(async (o: { role: ApiRole; name: string; json?: boolean }) => {
      await withAttune(async (attune) => {
        const { key, record } = await attune.apiKeys.create(o.role, o.name);
        if (o.json) console.log(JSON.stringify({ key, id: record.id, role: record.role }));
        else console.log(`${key}\n(key ${record.id}, role ${record.role}: store it now, it is not shown again)`);
      });
    });
  apikey
    .command('list')
    .description('keys with their role and prefix (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withAttune(async (attune) => {
        const keys = await attune.apiKeys.list();
        if (o.json) console.log(JSON.stringify(keys, null, 2));
        else console.log(table(keys as unknown as Record<string, unknown>[], ['id', 'name', 'role', 'prefix', 'created_at', 'revoked_at']));
      });
    });
  apikey
    .command('revoke <id>')
    .description('revoke a key: requests with it get 401 from now on')
    .action(async (idText: string) => {
      const id = positiveInt(idText);
      await withAttune(async (attune) => {
        await attune.apiKeys.revoke(id);
        console.log(`key ${id} revoked`);
      });
    });
}
