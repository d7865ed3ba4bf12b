#!/usr/bin/env node
/**
 * `peer-report` command line (commands in ./command-registry.ts).
 * Exit codes: 0 success, 1 runtime failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './command-registry.ts';

const program = new Command();
program
  .name('peer-report')
  .description(
    'Self-hosted WebRTC call-quality service with a RealtimeKit-compatible peer-report API',
  )
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(run with --help for usage)');

// Only the command being run (or asked about, `help <command>`) is loaded; the others are listed by name and
// description. The first argument that is not an option names it (the top level has no options taking a value).
const words = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const invoked = words[0] === 'help' ? words[1] : words[0];
for (const entry of COMMANDS) {
  program.addCommand(
    entry.name === invoked
      ? await entry.load()
      : new Command(entry.name).description(entry.description),
  );
}

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
  } else if ((err as { exitCode?: unknown }).exitCode === 2) {
    // A bad flag or variable (ConfigError of src/util/config-reader.ts): a usage error, like commander's own.
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 2;
  } else {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
