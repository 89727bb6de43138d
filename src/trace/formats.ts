// The registry of trace formats, in auto-detection priority order (trace-formats §7).
import type { TraceFormat } from './format.js';

export const FORMATS: TraceFormat[] = [];

export function formatById(id: string): TraceFormat | undefined {
  return FORMATS.find((f) => f.id === id);
}
