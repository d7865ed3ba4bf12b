/**
 * `peer-report webhooks rotate-key | public-key`: the server's webhook
 * signing key. Rotation stores a new RSA key pair and retires the old one;
 * running servers sign with the new key within seconds, and
 * `/.well-known/webhooks.json` serves it.
 */
import { Command } from 'commander';
import type { openDatabase } from '../../store/open-database.ts';
import { dataOption, openConfiguredStore } from '../store-option.ts';
import { ensureSigningKey, rotateSigningKey } from '../../webhooks/signing-key.ts';

async function withDatabase<T>(
  dataDir: string,
  work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const db = await openConfiguredStore({ data: dataDir });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** The `webhooks` command group. */
export function webhooksCommand(): Command {
  const cmd = new Command('webhooks').description('webhook signing key');
  cmd
    .command('rotate-key')
    .description(
      'make a new signing key pair, retire the current one, and print the new public key (PEM)',
    )
    .addOption(dataOption())
    .action(async (opts: { data: string }) => {
      const key = await withDatabase(opts.data, (db) => rotateSigningKey(db.db, db.dialect));
      process.stdout.write(
        key.publicKeyPem.endsWith('\n') ? key.publicKeyPem : `${key.publicKeyPem}\n`,
      );
    });
  cmd
    .command('public-key')
    .description('print the current public key (PEM), making the key pair if there is none yet')
    .addOption(dataOption())
    .action(async (opts: { data: string }) => {
      const key = await withDatabase(opts.data, (db) => ensureSigningKey(db.db, db.dialect));
      process.stdout.write(
        key.publicKeyPem.endsWith('\n') ? key.publicKeyPem : `${key.publicKeyPem}\n`,
      );
    });
  return cmd;
}
