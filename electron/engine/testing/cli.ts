import { main } from '../cli/main.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Run `labeltune <argv...>` in this process (same code as the binary), capturing stdout and stderr. */
export async function runCli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
