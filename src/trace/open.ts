// Resolves what the user named (a blktrace base name, a file, a directory) into input files,
// picks the format (sniffed, or --format) and opens the trace.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UfqReplayError } from '../errors.js';
import { BATCH_ROWS, type TraceSource } from './event.js';
import type { ReadOptions, TraceFormat } from './format.js';
import { FORMATS, formatById } from './formats.js';
import { headLines, type InputFile, openInput } from './input.js';

export interface OpenOptions {
  /** Force a format id instead of sniffing. */
  format?: string;
  batchRows?: number;
}

/** Per-CPU blktrace file name: NAME.blktrace.N (optionally .gz). */
const PER_CPU = /^(.*)\.blktrace\.(\d+)(\.gz)?$/;

/**
 * Expands a user-given trace name into groups of files that form one trace each.
 * `NAME` → NAME.blktrace.* ; `NAME.blktrace.3` → its whole set; a directory → every trace in it.
 */
export async function resolveTrace(name: string): Promise<string[][]> {
  const st = await stat(name).catch(() => undefined);
  if (st?.isDirectory()) {
    const entries = (await readdir(name)).sort();
    const sets = new Map<string, string[]>();
    const singles: string[] = [];
    for (const e of entries) {
      if (e.startsWith('.')) continue;
      const m = PER_CPU.exec(e);
      if (m) {
        const key = m[1];
        if (!sets.has(key)) sets.set(key, []);
        sets.get(key)!.push(join(name, e));
      } else if (!/\.(md|json|avg|dat|msg|xvg|txt\.gz\.sum)$/i.test(e)) {
        const full = join(name, e);
        if ((await stat(full)).isFile()) singles.push(full);
      }
    }
    const groups = [...[...sets.values()].map(sortPerCpu), ...singles.map((s) => [s])];
    if (groups.length === 0)
      throw new UfqReplayError('DIR_NO_TRACE', 'directory holds no trace file', {
        file: name,
        hint: 'expected NAME.blktrace.N files or a trace file (blkparse text, ftrace, CSV, Arrow)',
      });
    return groups;
  }
  if (st?.isFile()) {
    const m = PER_CPU.exec(basename(name));
    if (m) return [await blktraceSet(join(dirname(name), m[1]))];
    return [[name]];
  }
  const set = await blktraceSet(name);
  if (set.length > 0) return [set];
  throw new UfqReplayError('INPUT_NOT_FOUND', 'no such file, and no NAME.blktrace.* files', {
    file: name,
    hint: 'give a trace file, a directory, or a blktrace base name as blkparse takes it',
  });
}

async function blktraceSet(base: string): Promise<string[]> {
  const dir = dirname(base);
  const stem = basename(base);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files = entries
    .filter((e) => {
      const m = PER_CPU.exec(e);
      return m !== null && m[1] === stem;
    })
    .map((e) => join(dir, e));
  return sortPerCpu(files);
}

function sortPerCpu(files: string[]): string[] {
  const cpu = (f: string) => Number(PER_CPU.exec(basename(f))?.[2] ?? 0);
  return files.sort((a, b) => cpu(a) - cpu(b));
}

/** Picks the format for a group of input files: forced by id, else the best sniff. */
export function chooseFormat(files: InputFile[], forced?: string): TraceFormat {
  if (forced) {
    const f = formatById(forced);
    if (!f)
      throw new UfqReplayError('FLAG_INVALID', `unknown format '${forced}'`, {
        hint: `known formats: ${FORMATS.map((x) => x.id).join(', ')}`,
      });
    return f;
  }
  const first = files.find((f) => f.head.length > 0);
  if (!first)
    throw new UfqReplayError('INPUT_EMPTY', 'the trace is empty', {
      file: files[0]?.path,
      offset: 0,
      hint: 'an empty per-CPU file is normal for an idle CPU, but every file here is empty',
    });
  const lines = headLines(first.head);
  let best: TraceFormat | undefined;
  let bestScore = 0;
  for (const f of FORMATS) {
    const s = f.sniff(first.head, lines);
    if (s > bestScore) {
      best = f;
      bestScore = s;
    }
  }
  if (!best)
    throw new UfqReplayError('FORMAT_UNKNOWN', 'unrecognised trace format', {
      file: first.path,
      offset: 0,
      hint: `give --format (one of ${FORMATS.map((x) => x.id).join(', ')}); see docs/formats.md`,
    });
  return best;
}

/** Opens one trace group (from resolveTrace) for streaming. */
export async function openTraceFiles(paths: string[], options: OpenOptions = {}): Promise<TraceSource> {
  const files = await Promise.all(paths.map(openInput));
  const format = chooseFormat(files, options.format);
  const readOptions: ReadOptions = { batchRows: options.batchRows ?? BATCH_ROWS };
  return format.open(files, readOptions);
}

/** Resolves `name` and opens it; a name that resolves to several traces is an error here. */
export async function openTrace(name: string, options: OpenOptions = {}): Promise<TraceSource> {
  const groups = await resolveTrace(name);
  if (groups.length > 1)
    throw new UfqReplayError('INPUT_UNREADABLE', `names ${groups.length} traces; give one`, {
      file: name,
      hint: 'name one trace inside the directory, or pass several TRACE arguments',
    });
  return openTraceFiles(groups[0], options);
}
