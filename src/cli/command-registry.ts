/** Commands beyond the core ones (e.g. `import`); each feature adds its command here. */
import type { Command } from 'commander';
import { importCommand } from './commands/import.ts';
import { webhooksCommand } from './commands/webhooks.ts';

/** Extra commands, in help order. */
export function extraCommands(): Command[] {
  return [importCommand(), webhooksCommand()];
}
