import { EngineError } from '../../../shared/contract/errors.ts';
import { createEngine } from '../engine.ts';
import { createInMemoryClient } from '../transports/in-memory.ts';
import { type Command, UsageError, parseCommandArgs } from './command.ts';
import { COMMANDS } from './commands/index.ts';

/** Exit codes shared by every subcommand. */
export const EXIT = { ok: 0, userError: 1, usage: 2 } as const;

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

export function helpText(): string {
  return [
    'Usage: labeltune <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Every command takes --json (one JSON document on stdout; progress on stderr) and --help.',
    'Exit codes: 0 success, 1 error (message on stderr), 2 usage error.',
  ].join('\n');
}

/** Run one CLI invocation and return its exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`labeltune: unknown command "${name}". Run "labeltune --help" for the list.`);
    return EXIT.usage;
  }
  return runCommand(cmd, rest, io);
}

async function runCommand(cmd: Command, argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(cmd, argv);
  } catch (e) {
    io.err(`labeltune ${cmd.name}: ${(e as Error).message}\nUsage: labeltune ${cmd.usage}`);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    io.out(`Usage: labeltune ${cmd.usage}\n\n${cmd.summary}`);
    return EXIT.ok;
  }
  const engine = createEngine();
  const client = createInMemoryClient(engine);
  const json = parsed.values.json === true;
  try {
    const result = await cmd.run({ ...parsed, json, engine, client, out: io.out, err: io.err });
    if (json && result !== undefined) io.out(JSON.stringify(result, null, 2));
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`labeltune ${cmd.name}: ${e.message}\nUsage: labeltune ${cmd.usage}`);
      return EXIT.usage;
    }
    const message = e instanceof EngineError || e instanceof Error ? e.message : String(e);
    if (json) io.out(JSON.stringify({ error: e instanceof EngineError ? e.toJSON() : { code: 'internal', message } }));
    io.err(`labeltune ${cmd.name}: ${message}`);
    return EXIT.userError;
  } finally {
    client.dispose();
    await engine.close();
  }
}
