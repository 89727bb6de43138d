// The base of every ufq-replay command: shared flags and the one-line error policy.
// A UfqReplayError becomes `ufq-replay: FILE: line N: message` plus a hint and its exit
// code; anything else is a bug and keeps its stack (exit 70 for invariants).
import { Command, Flags } from '@oclif/core';
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

  /** Prints a warning line to stderr unless --quiet or --json. */
  protected note(message: string): void {
    if (this.argv.includes('--quiet') || this.argv.includes('-q') || this.jsonEnabled()) return;
    this.logToStderr(message);
  }

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    if (err instanceof UfqReplayError) {
      if (this.jsonEnabled()) this.logJson({ error: err.toJSON() });
      if (this.debugEnabled && err.stack) this.logToStderr(err.stack);
      return this.error(err.oneLine(), {
        exit: err.exitCode,
        code: err.code,
        suggestions: err.hint ? [err.hint] : undefined,
      });
    }
    if (err instanceof InvariantError) {
      this.logToStderr(err.stack ?? String(err));
      return this.exit(EXIT.INVARIANT);
    }
    return super.catch(err);
  }
}
