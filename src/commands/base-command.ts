// The base of every ufq-replay command: shared flags and the one-line error policy.
// A UfqReplayError or a usage error becomes one line, `ufq-replay: FILE: line N: message
// (hint: ...)`, and its exit code; anything else is a bug: its stack and exit 70.
import { Command, Errors, Flags } from '@oclif/core';
import { EXIT, InvariantError, UfqReplayError } from '../errors.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    debug: Flags.boolean({
      description: 'Print stack traces for errors.',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Print nothing but errors (and the --json result).',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  };

  /** True when --debug was given (checked from argv, so it works before parsing finished). */
  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug') || process.env.UFQ_REPLAY_DEBUG === '1';
  }

  /** Writes a line to stderr, under --json too (oclif's logToStderr is silent then). */
  protected errorLine(text: string): void {
    console.error(text);
  }

  /** Prints a warning line to stderr unless --quiet or --json. */
  protected note(message: string): void {
    if (this.argv.includes('--quiet') || this.argv.includes('-q') || this.jsonEnabled()) return;
    this.logToStderr(message);
  }

  /**
   * Prints `value` as this command's --json document now, for a command that must still fail
   * after its result is known (--strict, a broken invariant): scripts get the result and the
   * exit code, and catch() prints no second document.
   */
  protected printJsonResult(value: unknown): void {
    if (!this.jsonEnabled()) return;
    this.logJson(value);
    this.jsonPrinted = true;
  }

  private jsonPrinted = false;

  /**
   * Every failure ends here, and each kind gets its exit code from the table in errors.ts:
   * a coded user error (3, or 2 for flags) and oclif's own usage errors (2) print one line,
   * `ufq-replay: FILE: byte N: message (hint: ...)`, and under --json also an
   * `{"error": {...}}` document on stdout; a broken invariant or any other exception is a bug
   * and prints its stack (70). oclif's default would exit 1 under --json whatever the error.
   */
  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number }; code?: string },
  ): Promise<unknown> {
    // this.exit() from a command: already decided.
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof UfqReplayError)
      return this.fail(err.exitCode, err.toJSON(), withHint(err.oneLine(), err.hint), err.stack);
    const exit = err.oclif?.exit;
    if (!(err instanceof InvariantError) && typeof exit === 'number' && exit !== EXIT.UNEXPECTED) {
      // oclif's parser (unknown flag, bad option, missing argument) and this.error({exit}).
      const message = firstLine(err);
      const code = JSON_CODE_BY_EXIT[exit] ?? `EXIT_${exit}`;
      const hint =
        exit === EXIT.USAGE && this.id ? `ufq-replay ${this.id.replace(/:/g, ' ')} --help` : undefined;
      return this.fail(exit, { code, message, hint }, withHint(message, hint), err.stack);
    }
    // A bug: an invariant the model checks, or an exception nobody expected.
    if (this.jsonEnabled() && !this.jsonPrinted)
      this.logJson({ error: { code: 'INTERNAL', message: err.message } });
    this.errorLine(err.stack ?? `${err.name}: ${err.message}`);
    return this.exit(EXIT.INVARIANT);
  }

  /** Prints the failure and ends the command with `exit`; the thrown error carries the code for callers in-process. */
  private fail(exit: number, json: Record<string, unknown>, line: string, stack?: string): never {
    if (this.jsonEnabled() && !this.jsonPrinted) this.logJson({ error: { ...json, exit } });
    this.errorLine(`ufq-replay: ${line}`);
    if (this.debugEnabled && stack) this.errorLine(stack);
    const done = new Errors.CLIError(line, { exit, code: String(json.code) });
    // Printed above: oclif's handler only exits with the code.
    (done as { skipOclifErrorHandling?: boolean }).skipOclifErrorHandling = true;
    throw done;
  }
}

/** The `error.code` of a --json error document that oclif raised or a command ended with this.error(). */
const JSON_CODE_BY_EXIT: Record<number, string> = {
  [EXIT.USAGE]: 'USAGE',
  [EXIT.POLICY_EJECTED_STRICT]: 'POLICY_EJECTED',
};

/**
 * One line of an oclif parse error, which runs over several: a missing argument is named
 * (`Missing 1 required arg: trace`), the header of a list of failures is dropped (`The
 * following error occurred:`), and the pointer to --help goes (it becomes the hint).
 */
function firstLine(err: Error & { args?: Array<{ name?: string }> }): string {
  if (Array.isArray(err.args) && err.args.length > 0 && /^Missing \d+ required arg/.test(err.message))
    return `Missing required argument ${err.args.map((a) => a.name ?? '?').join(', ')}`;
  const lines = err.message
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) => l !== '' && !l.startsWith('See more help') && !/^The following errors? occurred:?$/.test(l),
    );
  return lines.join('; ') || err.message.trim();
}

function withHint(line: string, hint: string | undefined): string {
  return hint ? `${line} (hint: ${hint})` : line;
}
