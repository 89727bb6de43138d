// The one error class users can cause, the exit-code table, and the invariant error.
// Decoders never throw on data: they count skips or return coded errors; the thin
// wrappers around them throw UfqReplayError, and commands turn it into one line.

/** Exit codes of the CLI (CONTRACTS.md). */
export const EXIT = {
  OK: 0,
  UNEXPECTED: 1,
  USAGE: 2,
  BAD_INPUT: 3,
  POLICY_EJECTED_STRICT: 4,
  INVARIANT: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every coded error, by area prefix. Tests assert the code, never the message. */
export type ErrorCode =
  | 'INPUT_NOT_FOUND'
  | 'INPUT_EMPTY'
  | 'INPUT_UNREADABLE'
  | 'FORMAT_UNKNOWN'
  | 'FORMAT_MISMATCH'
  | 'DIR_NO_TRACE'
  | 'GZIP_CORRUPT'
  | 'BLKTRACE_BAD_MAGIC'
  | 'BLKTRACE_BAD_VERSION'
  | 'BLKTRACE_TRUNCATED'
  | 'BLKTRACE_NO_RECORDS'
  | 'BLKPARSE_BAD_LINE'
  | 'BLKPARSE_NO_EVENTS'
  | 'FTRACE_BAD_LINE'
  | 'FTRACE_NO_EVENTS'
  | 'CSV_MISSING_COLUMN'
  | 'CSV_BAD_VALUE'
  | 'CSV_NO_ROWS'
  | 'IOLOG_BAD_LINE'
  | 'ARROW_BAD_SCHEMA'
  | 'ARROW_UNREADABLE'
  | 'ARROW_BAD_VALUE'
  | 'IOPRIO_BAD_SPEC'
  | 'OUTPUT_UNWRITABLE'
  | 'PROFILE_NOT_FOUND'
  | 'PROFILE_INVALID'
  | 'POLICY_NOT_FOUND'
  | 'POLICY_INVALID'
  | 'POLICY_LOST_REQUEST'
  | 'CALIBRATE_NO_REQUESTS'
  | 'FLAG_INVALID'
  | 'RESULTS_INVALID';

const EXIT_BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  FLAG_INVALID: EXIT.USAGE,
  IOPRIO_BAD_SPEC: EXIT.USAGE,
  POLICY_NOT_FOUND: EXIT.USAGE,
};

export interface ErrorWhere {
  /** File the problem is in (as the user named it). */
  file?: string;
  /** 1-based line for text formats. */
  line?: number;
  /** Byte offset for binary formats. */
  offset?: number;
  /** Record index (0-based) where known. */
  record?: number;
}

export interface ErrorInit extends ErrorWhere {
  hint?: string;
  cause?: unknown;
}

/**
 * A problem the user can cause or fix: bad input, bad flag, bad profile or policy.
 * `message` says what failed, what was expected and what was found; `where` fields locate it.
 */
export class UfqReplayError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly offset?: number;
  readonly record?: number;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, init: ErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UfqReplayError';
    this.code = code;
    this.file = init.file;
    this.line = init.line;
    this.offset = init.offset;
    this.record = init.record;
    this.hint = init.hint;
  }

  get exitCode(): ExitCode {
    return EXIT_BY_CODE[this.code] ?? EXIT.BAD_INPUT;
  }

  /** `file: line 12: message` / `file: byte 4096 (record 85): message`. One line. */
  oneLine(): string {
    const parts: string[] = [];
    if (this.file) parts.push(this.file);
    if (this.line !== undefined) parts.push(`line ${this.line}`);
    else if (this.offset !== undefined)
      parts.push(`byte ${this.offset}${this.record !== undefined ? ` (record ${this.record})` : ''}`);
    parts.push(this.message);
    return parts.join(': ');
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      file: this.file,
      line: this.line,
      offset: this.offset,
      record: this.record,
      hint: this.hint,
    };
  }
}

/** A broken internal invariant (a bug): always reported with its stack, exit 70. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/** Throws an InvariantError when `cond` is false. For model invariants, never user input. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}
