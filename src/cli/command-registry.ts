/**
 * The `peer-report` commands, each named and described here and loaded only when it runs: a command's module
 * brings in the server, the store or the importers, which cost ~0.4 s of CPU to load, and `peer-report --help`
 * or a typo needs none of them.
 */
import type { Command } from 'commander';

/** A command: its name and one-line description (for the top-level help), and how to build it. */
export interface CommandEntry {
  name: string;
  description: string;
  load(): Promise<Command>;
}

/** Every command, in help order. Each feature adds its command here. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'serve',
    description:
      'run the server (embedded database in --data, or PostgreSQL when DATABASE_URL is set)',
    load: async () => (await import('./commands/serve.ts')).serveCommand(),
  },
  {
    name: 'token',
    description: 'manage API tokens',
    load: async () => (await import('./commands/token.ts')).tokenCommand(),
  },
  {
    name: 'simulate',
    description:
      'create a meeting and participants through the API and send synthetic calls (time-compressed)',
    load: async () => (await import('./commands/simulate.ts')).simulateCommand(),
  },
  {
    name: 'import',
    description:
      'import a recorded call (webrtc-internals or rtcstats dump, getStats() snapshot; gzip or not)',
    load: async () => (await import('./commands/import.ts')).importCommand(),
  },
  {
    name: 'delete-participant',
    description:
      "erase a participant's data: peers, telemetry, reports and derived rows, in one transaction",
    load: async () => (await import('./commands/delete-participant.ts')).deleteParticipantCommand(),
  },
  {
    name: 'export',
    description:
      "export finished peers' summaries (NDJSON or CSV), streaming and resumable by cursor",
    load: async () => (await import('./commands/export.ts')).exportCommand(),
  },
  {
    name: 'webhooks',
    description: 'the webhook signing key: show the public key, rotate the key pair',
    load: async () => (await import('./commands/webhooks.ts')).webhooksCommand(),
  },
];
