// Entry of the trainer child process (child_process.fork). Like the CLI, it runs the TypeScript
// sources directly through tsx, so the engine, the trainer and the tests share one code path.
import { register } from 'tsx/esm/api';

register();
await import('./trainer-main.ts');
