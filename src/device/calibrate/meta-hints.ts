// What a capture's NAME.meta.json tells calibration: the kernel scheduler at capture and the
// queue's sysfs values (nr_requests, rotational), given as strings or numbers. Odd or missing
// values are left out; an unreadable file gives no hints. Finding the file beside a trace is
// the caller's job (replay/trace-meta.ts findTraceMeta).
import { readFile } from 'node:fs/promises';
import type { FitHints } from './fit.js';

function integer(v: unknown): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Hints from a parsed meta.json document (anything else gives none). */
export function hintsFromMeta(doc: unknown): FitHints {
  if (typeof doc !== 'object' || doc === null) return {};
  const d = doc as Record<string, unknown>;
  const out: FitHints = {};
  if (typeof d.scheduler === 'string' && d.scheduler.length > 0) out.scheduler = d.scheduler;
  const q = d.queue;
  if (typeof q === 'object' && q !== null) {
    const queue = q as Record<string, unknown>;
    const nr = integer(queue.nr_requests);
    if (nr !== undefined && nr > 0) out.nrRequests = nr;
    const rot = integer(queue.rotational);
    if (rot === 0 || rot === 1) out.rotational = rot === 1;
  }
  return out;
}

/** The recorded scheduler named in a parsed meta.json, if any. */
export function schedulerFromMeta(doc: unknown): string | undefined {
  return hintsFromMeta(doc).scheduler;
}

/** Parsed meta.json at `file`, or undefined when there is none or it is not JSON. */
export async function readMetaDoc(file: string | undefined): Promise<unknown> {
  if (file === undefined) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
