// The TraceInfo of a table built in a test: no file was read, and the I/Os carry stage times.
import type { TraceInfo } from '../../src/trace/event.js';

export function testTraceInfo(format = 'test'): TraceInfo {
  return { format, files: [], bytes: 0, records: 0, lines: 0, warnings: {}, hasStages: true };
}
