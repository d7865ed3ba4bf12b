/** `peer-report token create | list | revoke`: API tokens of an account. */
import { Command, Option } from 'commander';
import type { Store } from '../../store/store.ts';
import { dataOption, openConfiguredStore } from '../store-option.ts';
import { type ApiTokenListing, type TokenPermission } from '../../store/api-tokens.ts';
import { parseDuration } from '../../util/duration.ts';
import { iso } from '../../util/time.ts';

async function withDatabase<T>(dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore({ data: dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function checkAccount(account: string): string {
  if (!/^[\w-]{1,64}$/.test(account))
    throw new Error(
      `--account: expected letters, digits, '-' or '_' (at most 64), got '${account}'`,
    );
  return account;
}

/** One tab-separated line of `token list`: id, account, permission, created, last used, expires, revoked, name (`-` when unset). */
function listingLine(t: ApiTokenListing): string {
  return [
    t.id,
    t.account_id,
    t.permission,
    iso(t.created_at),
    iso(t.last_used_at) ?? '-',
    iso(t.expires_at) ?? '-',
    iso(t.revoked_at) ?? '-',
    t.name ?? '-',
  ].join('\t');
}

/** The `token` command group. */
export function tokenCommand(): Command {
  const token = new Command('token').description(
    'manage API tokens (create, list, revoke); works while the server runs',
  );
  token
    .command('create')
    .description('create an API token scoped to one account and print it (only its hash is stored)')
    .requiredOption('--account <id>', 'account id the token may access')
    .addOption(
      new Option('--permission <permission>', 'Realtime Admin (read/write) or Realtime (read-only)')
        .choices(['Realtime Admin', 'Realtime'])
        .default('Realtime Admin'),
    )
    .option('--name <name>', 'a label for the token')
    .option(
      '--expires-in <duration>',
      'refuse the token after this long: a whole number and s, m, h, d or w (e.g. 30d, 12h)',
    )
    .addOption(dataOption())
    .action(async (opts) => {
      const account = checkAccount(String(opts.account));
      let expiresAt: number | undefined;
      if (opts.expiresIn !== undefined) {
        const ms = parseDuration(String(opts.expiresIn));
        if (ms === undefined)
          throw new Error(
            `--expires-in: expected a whole number and a unit (s, m, h, d or w), e.g. 30d or 12h, got '${opts.expiresIn}'`,
          );
        expiresAt = Date.now() + ms;
      }
      const created = await withDatabase(opts.data, (store) =>
        store.tokens.create(account, opts.permission as TokenPermission, opts.name, expiresAt),
      );
      process.stdout.write(`${created.token}\n`);
    });
  token
    .command('list')
    .description(
      'list API tokens, one per line, tab-separated: id, account, permission, created, last used, expires, revoked, name (never the secret)',
    )
    .option('--account <id>', 'only this account')
    .option('--json', 'print a JSON array instead')
    .addOption(dataOption())
    .action(async (opts) => {
      const account = opts.account === undefined ? undefined : checkAccount(String(opts.account));
      const tokens = await withDatabase(opts.data, (store) => store.tokens.list(account));
      if (opts.json) process.stdout.write(`${JSON.stringify(tokens)}\n`);
      else for (const t of tokens) process.stdout.write(`${listingLine(t)}\n`);
    });
  token
    .command('revoke')
    .description(
      'revoke an API token by id (see token list); every server process refuses it within seconds',
    )
    .argument('<id>', 'token id')
    .addOption(dataOption())
    .action(async (id: string, opts) => {
      const revoked = await withDatabase(opts.data, (store) => store.tokens.revoke(id));
      if (!revoked) throw new Error(`no token with id '${id}'`);
      process.stdout.write(`${listingLine(revoked)}\n`);
    });
  return token;
}
