// Queue limits recorded beside a trace: NAME.meta.json's "queue" object (sysfs values at
// capture time, as strings or numbers), merged with command-line overrides. Says where each
// limit came from, so a result can tell a sysfs value from a flag or a model default.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BLKDEV_MIN_RQ, MAX_SCHED_RQ } from '../block/limits.js';
import { countWarning, type WarningCounts } from '../trace/event.js';

/** Queue limits a replay may set; undefined leaves the model's default. */
export interface QueueLimitValues {
  /** sysfs nr_requests: scheduler tags per hardware queue. */
  nr_requests?: number;
  /** sysfs max_sectors_kb: largest request, KiB. */
  max_sectors_kb?: number;
  /** Driver tags per hardware queue (no sysfs file; from the device or --queue-depth). */
  queue_depth?: number;
  /** sysfs nomerges: 0 all, 1 simple only, 2 none (kernel-blk-mq §4.6). */
  nomerges?: number;
  /** sysfs rotational (0/1). */
  rotational?: number;
  /** sysfs logical_block_size, bytes. */
  logical_block_size?: number;
}
export type QueueLimitName = keyof QueueLimitValues;
export type LimitOrigin = 'flag' | 'meta.json' | 'device' | 'default';

export interface ResolvedLimits {
  values: QueueLimitValues;
  /** Where each limit that has a value came from. */
  from: Partial<Record<QueueLimitName, LimitOrigin>>;
  /** The meta.json read, if any. */
  metaFile?: string;
}

const META_KEYS: QueueLimitName[] = ['nr_requests', 'max_sectors_kb', 'rotational', 'logical_block_size'];

/**
 * Inclusive ranges the queue model accepts (src/block/limits.ts resolveLimits): a value outside
 * would fail there as a flag error, so it is dropped here, as if the key were absent.
 */
const META_RANGES: Partial<Record<QueueLimitName, readonly [number, number]>> = {
  // Requests; block/blk-mq-sched.h BLKDEV_MIN_RQ..MAX_SCHED_RQ.
  nr_requests: [BLKDEV_MIN_RQ, MAX_SCHED_RQ],
  // KiB; the bounds of resolveLimits (not exported), block/blk-settings.c: at least 8 sectors.
  max_sectors_kb: [4, 1 << 22],
};

/**
 * Finds NAME.meta.json beside a trace: for `dir/a.b.c` it tries `dir/a.b.c.meta.json`,
 * `dir/a.b.meta.json`, `dir/a.meta.json` (longest first), so `traces/x.none`,
 * `traces/x.none.blktrace.0.gz` and `traces/x.none.blkparse.txt.gz` all find
 * `traces/x.none.meta.json`. A directory has none.
 */
export async function findTraceMeta(trace: string): Promise<string | undefined> {
  const st = await stat(trace).catch(() => undefined);
  if (st?.isDirectory()) return undefined;
  const dir = dirname(trace);
  const parts = basename(trace).split('.');
  for (let n = parts.length; n >= 1; n--) {
    const candidate = join(dir, `${parts.slice(0, n).join('.')}.meta.json`);
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  return undefined;
}

/** Reads the "queue" limits of a meta.json; unreadable or odd values become warnings. */
export async function readMetaLimits(file: string, warnings: WarningCounts): Promise<QueueLimitValues> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    countWarning(warnings, `${basename(file)}: not valid JSON, queue limits not read`);
    return {};
  }
  const queue = (doc as { queue?: unknown })?.queue;
  if (typeof queue !== 'object' || queue === null) return {};
  const out: QueueLimitValues = {};
  for (const key of META_KEYS) {
    const raw = (queue as Record<string, unknown>)[key];
    if (raw === undefined) continue;
    const v =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(v) || v < 0) {
      countWarning(warnings, `${basename(file)}: queue.${key} is not a non-negative integer, ignored`);
      continue;
    }
    const range = META_RANGES[key];
    if (range !== undefined && (v < range[0] || v > range[1])) {
      countWarning(
        warnings,
        `${basename(file)}: queue.${key} ${v} is outside ${range[0]}..${range[1]}, ignored`,
      );
      continue;
    }
    out[key] = v;
  }
  return out;
}

/** Flags win over meta.json; what neither sets is left to the model's defaults. */
export async function traceLimits(
  trace: string,
  flags: QueueLimitValues,
  warnings: WarningCounts,
): Promise<ResolvedLimits> {
  const metaFile = await findTraceMeta(trace);
  const meta = metaFile ? await readMetaLimits(metaFile, warnings) : {};
  const values: QueueLimitValues = {};
  const from: ResolvedLimits['from'] = {};
  const keys = new Set<QueueLimitName>([
    ...(Object.keys(meta) as QueueLimitName[]),
    ...(Object.keys(flags) as QueueLimitName[]),
  ]);
  for (const key of [...keys].sort()) {
    if (flags[key] !== undefined) {
      values[key] = flags[key];
      from[key] = 'flag';
    } else if (meta[key] !== undefined) {
      values[key] = meta[key];
      from[key] = 'meta.json';
    }
  }
  return { values, from, metaFile };
}
