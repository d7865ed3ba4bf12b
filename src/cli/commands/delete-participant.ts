/** `peer-report delete-participant`: erases a person's data (participant records, peers, telemetry). */
import { Command } from 'commander';
import { dataOption, openConfiguredStore } from '../store-option.ts';

/** The `delete-participant` command. */
export function deleteParticipantCommand(): Command {
  return new Command('delete-participant')
    .description(
      'delete a participant and everything stored about it (peers, telemetry, events, candidate pairs, aggregates) in one transaction; prints a JSON summary',
    )
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--app <id>', 'app id')
    .option('--participant <id>', 'participant id (as returned by addParticipant)')
    .option(
      '--custom-participant-id <id>',
      "every participant of the app with this custom_participant_id (the app's user id)",
    )
    .addOption(dataOption())
    .action(async (opts) => {
      if ((opts.participant === undefined) === (opts.customParticipantId === undefined))
        throw new Error('give exactly one of --participant and --custom-participant-id');
      const store = await openConfiguredStore({ data: opts.data });
      try {
        if (!(await store.apps.find(opts.account, opts.app)))
          throw new Error(`--app: no app '${opts.app}' in account '${opts.account}'`);
        const scope = { accountId: String(opts.account), appId: String(opts.app) };
        const result = await store.participants.erase(
          opts.participant !== undefined
            ? { ...scope, participantIds: [String(opts.participant)] }
            : { ...scope, customParticipantId: String(opts.customParticipantId) },
        );
        if (result.participantIds.length === 0) throw new Error('no such participant in this app');
        process.stdout.write(
          `${JSON.stringify({ participant_ids: result.participantIds, peer_ids: result.peerIds, deleted_rows: result.deleted })}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
