/**
 * `peer-report export --account <id> --app <id> --since <time> --until <time>
 * [--format ndjson|csv] [--cursor <c>] [--limit <n>]`: writes the app's
 * finished peers' summaries to stdout (the same rows as the API's export
 * route), reading the database directly, page by page, as stdout drains.
 * At the end (or when it fails part-way) it prints the last row's cursor to
 * stderr (`next_cursor=<c>`), to resume with `--cursor`.
 */
import { Command } from 'commander';
import { dataOption, openConfiguredStore } from '../store-option.ts';
import { ExportParamError, parseExportParams } from '../../export/export-params.ts';
import { exportPeerPages, exportText } from '../../export/export-peers.ts';

interface ExportOptions {
  account: string;
  app: string;
  since: string;
  until: string;
  format?: string;
  cursor?: string;
  limit?: string;
  data?: string;
}

/** The `export` command. */
export function exportCommand(): Command {
  const command = new Command('export');
  return command
    .description(
      "write an app's finished peers' summaries (identity, device, network, per-stream quality) as NDJSON or CSV to stdout; the next cursor goes to stderr",
    )
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--app <id>', 'app id (must exist in the account)')
    .requiredOption('--since <time>', 'peers finished at or after this ISO 8601 date-time')
    .requiredOption('--until <time>', 'peers finished before this ISO 8601 date-time')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option(
      '--cursor <cursor>',
      "continue after the row with this cursor (a row's cursor value, or the next_cursor printed by an earlier run)",
    )
    .option('--limit <n>', 'stop after this many rows')
    .addOption(dataOption())
    .action(async (opts: ExportOptions) => {
      let params;
      try {
        params = parseExportParams(
          (name) => (opts as unknown as Record<string, string | undefined>)[name],
        );
      } catch (err) {
        // A usage error (exit 2), like commander's own.
        if (err instanceof ExportParamError)
          command.error(`error: --${err.field}: ${err.message}`, {
            exitCode: 2,
            code: 'peer-report.invalidOption',
          });
        throw err;
      }
      const store = await openConfiguredStore({ data: opts.data });
      let lastCursor = opts.cursor;
      let rows = 0;
      try {
        if (!(await store.apps.find(opts.account, opts.app)))
          throw new Error(`--app: no app '${opts.app}' in account '${opts.account}'`);
        const pages = exportPeerPages(store, { accountId: opts.account, appId: opts.app }, params);
        let pageRows = 0;
        let pageCursor: string | undefined;
        const text = exportText(pages, params, (page) => {
          pageRows = page.length;
          pageCursor = String(page[page.length - 1].cursor);
        });
        for await (const chunk of text) {
          // One page at a time, each written out before the next is read: the cursor printed is of a row written.
          await new Promise<void>((resolve, reject) =>
            process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())),
          );
          if (pageCursor !== undefined) {
            rows += pageRows;
            lastCursor = pageCursor;
            pageCursor = undefined;
          }
        }
      } finally {
        // Even after a failure: what was written ends at this cursor, so a rerun with it continues exactly there.
        process.stderr.write(`rows=${rows}\tnext_cursor=${lastCursor ?? ''}\n`);
        await store.close();
      }
    });
}
