#!/usr/bin/env node
// The `labeltune` command. The engine is TypeScript run directly through tsx, so the CLI, browser
// mode and the tests all execute the same sources with no build step.
import { register } from 'tsx/esm/api';

register();
const { usePrivateUmask } = await import('../projects/paths.ts');
usePrivateUmask(); // the trainer and caches it starts write private files too
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
