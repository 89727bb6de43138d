// The 'blkparse' trace format: blkparse's default text output (trace-formats §2), optionally
// gzip-compressed. Sniffing follows §7 item 4; reading streams lines through BlkparseDecoder.
// Times are blkparse's own (already relative to the trace's genesis), integer ns.
import type { TraceFormat } from '../format.js';
import { BlkparseDecoder } from './decoder.js';
import { openTextSource } from './text-source.js';

/** trace-formats §7 item 4: a default-format event line (messages print action `m`). */
const EVENT_LINE =
  /^\s*\d+,\d+\s+\d+\s+\d+\s+\d+\.\d{9}\s+\d+\s+(?:[0-9a-f]+,[0-9a-f]+\s+)?(?:[A-Z]{1,2}|m)\s+[A-Z]+/;
/** Starts with a device column: blkparse-like output in a format we do not read (custom -f). */
const DEVICE_START = /^\s*\d+,\d+\s/;

/** Confidence from the first lines: how many non-blank lines look like default-format events. */
function sniffBlkparse(_head: Uint8Array, lines: string[]): number {
  let seen = 0;
  let events = 0;
  let deviceLike = 0;
  for (const l of lines) {
    if (l.trim() === '' || l.startsWith('Input file ')) continue;
    seen++;
    if (EVENT_LINE.test(l)) events++;
    else if (DEVICE_START.test(l)) deviceLike++;
    if (seen >= 20) break;
  }
  if (seen === 0) return 0;
  if (events > 0) return 0.5 + (0.45 * events) / seen;
  // Lines that open with maj,min but are not the default format: most likely `blkparse -f`,
  // which this reader then rejects with a hint rather than leaving the format unknown.
  return deviceLike === seen ? 0.2 : 0;
}

export const blkparseFormat: TraceFormat = {
  id: 'blkparse',
  description: 'blkparse default text output (optionally .gz)',
  sniff: sniffBlkparse,
  open(files, options) {
    return openTextSource(
      'blkparse',
      files,
      options,
      (strings, report) => new BlkparseDecoder(strings, report),
    );
  },
};
