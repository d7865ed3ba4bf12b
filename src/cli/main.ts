#!/usr/bin/env node
/**
 * `peer-report` command line: serve, token, simulate, import.
 * Exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { simulateCommand } from './commands/simulate.ts';
import { extraCommands } from './command-registry.ts';

const program = new Command();
program
  .name('peer-report')
  .description('Self-hosted WebRTC call-quality service with a RealtimeKit-compatible peer-report API')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');
program.addCommand(serveCommand());
program.addCommand(tokenCommand());
program.addCommand(simulateCommand());
for (const cmd of extraCommands()) program.addCommand(cmd);

// Usage errors of every (sub)command surface as CommanderError (exit code 2), not process.exit(1).
const applyToAll = (cmd: Command) => {
  cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  cmd.commands.forEach(applyToAll);
};
applyToAll(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
