import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { EngineClient } from '../../../shared/contract/index.ts';
import type { Engine } from '../engine.ts';
import { absolutePath } from '../projects/paths.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a subcommand gets: parsed arguments, an engine and a client on it, and the output streams. */
export interface CommandContext {
  positionals: string[];
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  json: boolean;
  engine: Engine;
  client: EngineClient;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  /** e.g. `init <dir> [--name NAME]` */
  usage: string;
  summary: string;
  options?: OptionSpec;
  minPositionals?: number;
  maxPositionals?: number;
  /**
   * Runs the command and returns the JSON document printed by `--json` (a human summary is printed
   * by the command itself when `json` is false). Returning a number keeps the process alive until
   * that promise settles (servers).
   */
  run(ctx: CommandContext): Promise<unknown>;
}

/** A usage error: exit code 2 with the command's usage line. */
export class UsageError extends Error {}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...cmd.options },
      allowPositionals: true,
      strict: true,
    });
    const n = positionals.length;
    if (!values.help && (n < (cmd.minPositionals ?? 0) || n > (cmd.maxPositionals ?? Infinity))) {
      throw new UsageError(`wrong number of arguments`);
    }
    return { values, positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** Read a numeric option, with a usage error that names it. */
export function numberOption(values: CommandContext['values'], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${String(raw)}"`);
  return n;
}

/** A folder typed in a shell means what the shell means: relative to its working folder, `~` expanded. */
export function shellPath(input: string): string {
  return absolutePath(input, { relativeTo: process.cwd() });
}
