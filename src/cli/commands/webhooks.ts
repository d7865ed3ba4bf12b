/**
 * `peer-report webhooks rotate-key | public-key`: the server's webhook
 * signing key. Rotation stores a new RSA key pair and retires the old one;
 * running servers sign with the new key within seconds, and
 * `/.well-known/webhooks.json` serves it.
 */
import { Command } from 'commander';
import type { Store } from '../../store/store.ts';
import { dataOption, openConfiguredStore } from '../store-option.ts';
import { ensureSigningKey, rotateSigningKey } from '../../webhooks/signing-key.ts';

async function withDatabase<T>(dataDir: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openConfiguredStore({ data: dataDir });
  try {
    return await work(store);
  } finally {
    await store.close();
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
      const key = await withDatabase(opts.data, (store) => rotateSigningKey(store));
      process.stdout.write(
        key.publicKeyPem.endsWith('\n') ? key.publicKeyPem : `${key.publicKeyPem}\n`,
      );
    });
  cmd
    .command('public-key')
    .description('print the current public key (PEM), making the key pair if there is none yet')
    .addOption(dataOption())
    .action(async (opts: { data: string }) => {
      const key = await withDatabase(opts.data, (store) => ensureSigningKey(store));
      process.stdout.write(
        key.publicKeyPem.endsWith('\n') ? key.publicKeyPem : `${key.publicKeyPem}\n`,
      );
    });
  return cmd;
}
