// Writes a trace's events, or a paired IoTable, as an Arrow IPC file (default) or stream
// (trace-formats §6.3): the entry points. The work is in write-ipc.ts, imported on first use,
// so that commands which never write Arrow do not pay for loading apache-arrow at start-up.
import type { StringTable, TraceInfo, TraceSource } from '../event.js';
import type { IoTable } from '../io-table.js';
import type { ArrowWriteOptions, ArrowWriteSummary, IosArrowWriteOptions } from './write-ipc.js';

export type { ArrowWriteOptions, ArrowWriteSummary, IosArrowWriteOptions } from './write-ipc.js';

/**
 * Streams every event of `source` into an Arrow events file at `path` (trace-formats §6.1).
 * Throws OUTPUT_UNWRITABLE when the file cannot be created; reader errors pass through.
 */
export async function writeEventsArrow(
  source: TraceSource,
  path: string,
  options: ArrowWriteOptions = {},
): Promise<ArrowWriteSummary> {
  return (await import('./write-ipc.js')).writeEventsArrow(source, path, options);
}

/** The same, into memory: the IPC bytes of the whole trace. */
export async function encodeEventsArrow(
  source: TraceSource,
  options: ArrowWriteOptions = {},
): Promise<{ bytes: Uint8Array; summary: ArrowWriteSummary }> {
  return (await import('./write-ipc.js')).encodeEventsArrow(source, options);
}

/**
 * Writes a paired IoTable as an Arrow ios file (trace-formats §6.2), `info` giving the
 * metadata of the trace it was paired from, then the empty flushes of `options.flushes`.
 */
export async function writeIosArrow(
  ios: IoTable,
  strings: StringTable,
  info: TraceInfo,
  path: string,
  options: IosArrowWriteOptions = {},
): Promise<ArrowWriteSummary> {
  return (await import('./write-ipc.js')).writeIosArrow(ios, strings, info, path, options);
}
