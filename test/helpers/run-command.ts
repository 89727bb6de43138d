// Runs a command class in-process and captures what it prints, its result and its error.
// Commands are run as classes (not through the explicit map) so no build is needed.
import type { Command } from '@oclif/core';
import { captureOutput } from '@oclif/test';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface CommandRun<T> {
  result?: T;
  stdout: string;
  stderr: string;
  error?: Error & { code?: string; oclif?: { exit?: number } };
  /** Exit code the CLI would have ended with (0 when no error). */
  exitCode: number;
}

export async function runCommandClass<T>(cmd: Command.Class, argv: string[]): Promise<CommandRun<T>> {
  // oclif's handler exits with a thrown error's code, else with process.exitCode (which its
  // default catch sets under --json instead of throwing): read both, as the CLI would.
  const before = process.exitCode;
  process.exitCode = undefined;
  const out = await captureOutput<T>(async () => (await cmd.run(argv, { root: ROOT })) as T, {
    print: false,
    stripAnsi: true,
  });
  const set = process.exitCode;
  process.exitCode = before;
  const error = out.error as CommandRun<T>['error'];
  const exitCode = error ? (error.oclif?.exit ?? 1) : Number(set ?? 0);
  return { result: out.result, stdout: out.stdout, stderr: out.stderr, error, exitCode };
}
