/** Runs the check command in-process with captured output and optional standard input. */
import { run } from '../../src/cli/check-command.js';

export interface CheckRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCheck(args: readonly string[], stdin = ''): Promise<CheckRun> {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: { write: (text) => (out += text) },
    err: { write: (text) => (err += text) },
    stdin: () => Promise.resolve(stdin),
  });
  return { code, out, err };
}
