/** `peer-report token create`: prints a new API token for an account. */
import { Command, Option } from 'commander';
import { openDatabase } from '../../store/open-database.ts';
import { createApiToken, type TokenPermission } from '../../store/api-tokens.ts';

/** The `token` command group. */
export function tokenCommand(): Command {
  const token = new Command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token scoped to one account and print it (only its hash is stored)')
    .requiredOption('--account <id>', 'account id the token may access')
    .addOption(new Option('--permission <permission>', 'Realtime Admin (read/write) or Realtime (read-only)').choices(['Realtime Admin', 'Realtime']).default('Realtime Admin'))
    .option('--name <name>', 'a label for the token')
    .addOption(new Option('--data <dir>', 'directory of the embedded database').default('./data').env('PEER_REPORT_DATA'))
    .action(async (opts) => {
      const account = String(opts.account);
      if (!/^[\w-]{1,64}$/.test(account)) throw new Error(`--account: expected letters, digits, '-' or '_' (at most 64), got '${account}'`);
      const db = await openDatabase({ dataDir: opts.data, databaseUrl: process.env.DATABASE_URL || undefined });
      try {
        const created = await createApiToken(db.db, account, opts.permission as TokenPermission, opts.name);
        process.stdout.write(`${created.token}\n`);
      } finally {
        await db.close();
      }
    });
  return token;
}
