// Reads one trace for calibration: opens it, pairs its events (trace/pair.ts) while the
// flush scanner watches the same batches for empty FLUSHes and FUA writes, and extracts
// the device's requests. One pass over the file.
import type { EventBatch, TraceSource } from '../../trace/event.js';
import { openTrace } from '../../trace/open.js';
import { type PairResult, pairEvents } from '../../trace/pair.js';
import type { TraceRequests } from './calibrate.js';
import type { FitHints } from './fit.js';
import { FlushScanner } from './flush-scan.js';
import { deviceRequests } from './requests.js';

/** The same source, with `observe` called on every batch as it streams past. */
function watched(source: TraceSource, observe: (b: EventBatch) => void): TraceSource {
  return {
    get info() {
      return source.info;
    },
    get strings() {
      return source.strings;
    },
    async *batches() {
      for await (const b of source.batches()) {
        observe(b);
        yield b;
      }
    },
  };
}

/** Opens and pairs `name`; `label` names it in the profile (default: `name`). */
export async function readTraceRequests(
  name: string,
  options: { format?: string; hints?: FitHints; label?: string } = {},
): Promise<{ trace: TraceRequests; paired: PairResult }> {
  const scanner = new FlushScanner();
  const source = await openTrace(name, { format: options.format });
  const paired = await pairEvents(watched(source, (b) => scanner.observe(b)));
  return {
    trace: {
      name: options.label ?? name,
      requests: deviceRequests(paired.ios),
      hints: { ...options.hints, flush: scanner.result() },
    },
    paired,
  };
}
