// Test helpers: write text to a temp file and read it through one CSV or iolog format.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceEvent, TraceSource } from '../../../src/trace/event.js';
import type { TraceFormat } from '../../../src/trace/format.js';
import { openInput } from '../../../src/trace/input.js';
import { collect } from '../arrow/memory-source.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-csv-'));
let n = 0;

export function tempFile(text: string, name = `t${n++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export async function openText(format: TraceFormat, text: string, batchRows = 65536): Promise<TraceSource> {
  return format.open([await openInput(tempFile(text))], { batchRows });
}

export async function readText(
  format: TraceFormat,
  text: string,
  batchRows = 65536,
): Promise<{ events: TraceEvent[]; source: TraceSource }> {
  const source = await openText(format, text, batchRows);
  return { events: await collect(source), source };
}

/** The error a read throws (undefined if none). */
export async function readError(
  format: TraceFormat,
  text: string,
): Promise<{ code?: string; line?: number } | undefined> {
  try {
    await readText(format, text);
    return undefined;
  } catch (e) {
    return e as { code?: string; line?: number };
  }
}
