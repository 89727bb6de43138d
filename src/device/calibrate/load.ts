// Reads one trace for calibration: opens it, pairs its events (trace/pair.ts) while the
// flush scanner watches the same batches for empty FLUSHes and FUA writes, and extracts
// the device's requests. One pass over the file.
import { observeBatches } from '../../trace/observe.js';
import { openTrace } from '../../trace/open.js';
import { type PairResult, pairEvents } from '../../trace/pair.js';
import type { TraceRequests } from './calibrate.js';
import type { FitHints } from './fit.js';
import { FlushScanner } from './flush-scan.js';
import { deviceRequests } from './requests.js';

/** Opens and pairs `name`; `label` names it in the profile (default: `name`). */
export async function readTraceRequests(
  name: string,
  options: { format?: string; hints?: FitHints; label?: string } = {},
): Promise<{ trace: TraceRequests; paired: PairResult }> {
  const scanner = new FlushScanner();
  const source = await openTrace(name, { format: options.format });
  const paired = await pairEvents(observeBatches(source, (b) => scanner.observe(b)));
  return {
    trace: {
      name: options.label ?? name,
      requests: deviceRequests(paired.ios, paired.pieces),
      hints: { ...options.hints, flush: scanner.result() },
    },
    paired,
  };
}
