/**
 * The `--data` option every store-opening command offers, and opening the store it names: `--data` over
 * `PEER_REPORT_DATA`, `DATABASE_URL` for PostgreSQL, read and validated by src/config.ts like the server's.
 */
import { Option } from 'commander';
import { loadStoreConfig } from '../config.ts';
import { openStore, type Store } from '../store/open-store.ts';

/** `--data <dir>` without a default of its own (the configuration reader applies it). */
export const dataOption = () =>
  new Option(
    '--data <dir>',
    'directory of the embedded database (default ./data; env PEER_REPORT_DATA)',
  );

/** Opens the store configured by the command's flags (`opts.data`) and the environment. */
export function openConfiguredStore(opts: Record<string, unknown>): Promise<Store> {
  return openStore(loadStoreConfig(opts));
}
