// The registry of trace formats, in auto-detection priority order (trace-formats §7).
import { arrowFormat } from './arrow/reader.js';
import { blkparseFormat } from './blkparse/reader.js';
import { blktraceFormat } from './blktrace/reader.js';
import { csvDialectFormats, csvIosFormat, genericCsvFormat } from './csv/reader.js';
import type { TraceFormat } from './format.js';
import { ftraceBlkFormat, tracepointFormat } from './ftrace/reader.js';
import { iologFormat } from './iolog/reader.js';

export const FORMATS: TraceFormat[] = [
  blktraceFormat,
  ftraceBlkFormat,
  blkparseFormat,
  tracepointFormat,
  arrowFormat,
  iologFormat,
  ...csvDialectFormats,
  genericCsvFormat,
  csvIosFormat,
];

export function formatById(id: string): TraceFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}
