/** Paths of the real dumps (read-only, shared) and of our own recorded fixtures. */
import { fileURLToPath } from 'node:url';
import { realdataPath } from '../support/realdata.ts';

/** Absolute path of a file under the shared realdata directory (see test/support/realdata.ts). */
export function realdata(relative: string): string {
  return realdataPath(relative);
}

/** Absolute path of a file under `test/fixtures/`. */
export function ownFixture(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

/** The jitsi dump `name` and its expected-results file. */
export function jitsi(name: string): { dump: string; expected: string } {
  return {
    dump: realdata(`jitsi-rtcstats-server/dumps/${name}`),
    expected: realdata(
      `jitsi-rtcstats-server/expected-results/${name}${name.startsWith('59c86272') || name === 'chrome-standard-multiple-p2p' ? '' : '-result'}.json`,
    ),
  };
}
