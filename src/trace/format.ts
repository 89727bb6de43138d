// What every trace format provides: a sniffer (confidence from the first bytes) and an
// opener that turns resolved input files into a TraceSource. Readers register in formats.ts.
import type { TraceSource } from './event.js';
import type { InputFile } from './input.js';

/** Options every reader honours, normalised once at the boundary (open.ts). */
export interface ReadOptions {
  /** Rows per batch (default BATCH_ROWS). */
  batchRows: number;
}

export interface TraceFormat {
  /** Stable id, used by --format and recorded in results (`blktrace`, `blkparse`, `msr`, ...). */
  readonly id: string;
  /** One line for --help and `inspect` output. */
  readonly description: string;
  /**
   * Confidence 0..1 that `head` (the first decompressed bytes) and `lines` (its first lines,
   * for text formats) are this format. 0 = certainly not.
   */
  sniff(head: Uint8Array, lines: string[]): number;
  /**
   * Opens the files (already resolved: one file, or all per-CPU files of one blktrace set).
   * Throws UfqReplayError only for problems visible before streaming (e.g. wrong magic).
   */
  open(files: InputFile[], options: ReadOptions): TraceSource;
}
