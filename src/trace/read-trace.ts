// readTrace: open a trace by name (blkparse-style base name, file or directory; any format,
// gzip or not) and pair its events into one row per I/O, as `inspect` does. The scripting
// API's way to get at a trace's IoTable without replaying it.
import { parseIoprioRules } from './ioprio-rules.js';
import { openTrace } from './open.js';
import { type PairResult, pairEvents } from './pair.js';

export interface ReadTraceOptions {
  /** Format id instead of detection (`ufq-replay convert --help` lists them). */
  format?: string;
  /** `--ioprio` specs for I/Os whose trace recorded no priority. */
  ioprio?: readonly string[];
}

/** The paired trace: `ios` (IoTable), `strings`, `info`, `btt` statistics and pairing `warnings`. */
export async function readTrace(name: string, options: ReadTraceOptions = {}): Promise<PairResult> {
  const source = await openTrace(name, { format: options.format });
  return pairEvents(source, { ioprioRules: parseIoprioRules(options.ioprio ?? []) });
}
