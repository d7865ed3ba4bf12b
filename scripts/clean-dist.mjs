// Removes dist/ before a build, so that a module deleted or renamed in src/ does not linger as stale JavaScript.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
