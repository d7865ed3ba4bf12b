/** `peer-report simulate`: sends realistic synthetic calls to a server. */
import { Command, Option } from 'commander';
import { runSimulation } from '../../simulate/simulate-run.ts';
import { PROFILE_NAMES } from '../../simulate/call-profiles.ts';

function positiveNumber(name: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`${name}: expected a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
  return n;
}

/** The `simulate` command. */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'create a meeting and participants through the API and send synthetic calls (time-compressed); prints each peer_id',
    )
    .requiredOption('--url <server>', 'server base URL, e.g. http://127.0.0.1:8787')
    .requiredOption('--token <token>', 'API token (Realtime Admin)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--app <id>', 'app id')
    .addOption(
      new Option('--profile <profile>', 'network condition')
        .choices(PROFILE_NAMES)
        .default('clean'),
    )
    .option('--minutes <n>', 'call length in minutes of call time', '5')
    .option('--peers <n>', 'number of peers in the call', '2')
    .option('--seed <n>', 'random seed (same seed, same call)', '1')
    .action(async (opts) => {
      await runSimulation(
        {
          url: opts.url,
          token: opts.token,
          accountId: opts.account,
          appId: opts.app,
          profile: opts.profile,
          minutes: positiveNumber('--minutes', opts.minutes, false),
          peers: positiveNumber('--peers', opts.peers, true),
          seed: positiveNumber('--seed', opts.seed, true),
        },
        (peer) => process.stdout.write(`${peer.peerId}\n`),
      );
    });
}
