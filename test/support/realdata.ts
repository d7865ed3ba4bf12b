/**
 * Where the shared real-call dumps live: `PEER_REPORT_REALDATA` when set,
 * else `../shared/fixtures/realdata/` next to the project (the layout the
 * project is developed and tested in). Missing fixtures fail loudly, naming
 * where they were looked for: the tests that use them never skip.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of the realdata directory. */
export const REALDATA_DIR = path.resolve(
  process.env.PEER_REPORT_REALDATA ?? path.join(projectRoot, '../shared/fixtures/realdata'),
);

/** Absolute path of a file under the realdata directory; throws when the directory is missing. */
export function realdataPath(relative: string): string {
  if (!existsSync(REALDATA_DIR))
    throw new Error(
      `real-call fixtures not found at ${REALDATA_DIR} (set PEER_REPORT_REALDATA to their directory)`,
    );
  return path.join(REALDATA_DIR, relative);
}
