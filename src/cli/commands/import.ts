/**
 * `peer-report import <file> --account <id> --app <id>`: imports a recorded
 * call (webrtc-internals dump, rtcstats dump, getStats() snapshot; gzip or
 * not) into the database and prints one line per created peer:
 * `<peer_id>\t<client>\tformat=…\tsession=…\tpcs=…\tsamples=…\t<joined>..<left>[\tcomplete_from=…]`.
 * Notes about what the dump could not tell go to stderr.
 */
import { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { importDump, type ImportResult } from '../../import/import-dump.ts';
import { dataOption, openConfiguredStore } from '../store-option.ts';

/** The tab-separated line of one created peer. */
export function peerLine(result: ImportResult, peer: ImportResult['peers'][number]): string {
  const fields = [
    peer.peer_id,
    peer.label,
    `format=${result.format}`,
    `session=${result.session_id}`,
    `pcs=${peer.pcs.length}`,
    `samples=${peer.samples}`,
    `${new Date(peer.joined_at).toISOString()}..${new Date(peer.left_at).toISOString()}`,
  ];
  if (peer.partial)
    fields.push(`complete_from=${new Date(peer.partial.complete_from).toISOString()}`);
  return fields.join('\t');
}

/** The `import` command. */
export function importCommand(): Command {
  return new Command('import')
    .description(
      'import a recorded call (webrtc-internals or rtcstats dump, getStats() snapshot; gzip or not); prints one line per created peer, peer_id first',
    )
    .argument('<file>', 'dump file')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--app <id>', 'app id (must exist in the account)')
    .option('--title <title>', 'meeting title (default: the file name)')
    .option(
      '--keep-full-ip',
      'store client addresses whole (default: truncated to /24 and /48; also PEER_REPORT_KEEP_FULL_IP=1)',
    )
    .addOption(dataOption())
    .action(async (file: string, opts) => {
      const store = await openConfiguredStore({ data: opts.data });
      try {
        if (!(await store.apps.find(opts.account, opts.app)))
          throw new Error(`--app: no app '${opts.app}' in account '${opts.account}'`);
        const title = opts.title ?? `Imported ${file.split('/').pop()}`;
        const result = await importDump(
          {
            store,
            config: {
              keepFullIp:
                Boolean(opts.keepFullIp) ||
                loadConfig({}, undefined, { data: opts.data }).keepFullIp,
            },
          },
          file,
          { accountId: opts.account, appId: opts.app, title },
        );
        for (const peer of result.peers) {
          process.stdout.write(`${peerLine(result, peer)}\n`);
          for (const note of peer.notes) process.stderr.write(`note (${peer.label}): ${note}\n`);
          if (peer.partial)
            process.stderr.write(`partial (${peer.label}): ${peer.partial.reason}\n`);
        }
        for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      } finally {
        await store.close();
      }
    });
}
