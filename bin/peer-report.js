#!/usr/bin/env node
// Launcher: registers tsx (a runtime dependency) and runs the TypeScript CLI in this process.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
