// Device profile types, the table of every parameter (type, bounds, unit, meaning), and the
// hand-written validator that reports every problem with its field path. The table is the
// single description of a profile: the validator, `profiles show` and the docs read it, and
// a test keeps src/device/profile.schema.json (for users' editors) in step with it. Loading
// files and built-ins is registry.ts's job, not this module's.

import { type ServiceClass, serviceTableProblems } from './service-quantiles.js';

export const DEVICE_TYPES = ['hdd', 'ssd', 'nvme', 'fixed', 'null'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Where a profile's numbers come from (devices-metrics §2.5 step 9: fitted profiles say so). */
export const PROFILE_ORIGINS = ['datasheet', 'measured', 'fitted', 'assumed'] as const;
export type ProfileOrigin = (typeof PROFILE_ORIGINS)[number];

export interface ProfileSource {
  origin: ProfileOrigin;
  /** Datasheets, papers, traces the numbers were read from. */
  references?: string[];
  /** Per-parameter citation: parameter key -> where its value comes from. */
  params?: Record<string, string>;
  /** Fit figures of a fitted profile (traces, method, domain of validity, residuals). */
  fit?: Record<string, unknown>;
  notes?: string;
}

interface ProfileBase {
  /** Editors' schema reference; ignored by the tool. */
  $schema?: string;
  name: string;
  description: string;
  version?: number;
  source: ProfileSource;
  /** Driver tags per hardware queue. */
  queueDepth: number;
  nrHwQueues: number;
  /** What sysfs queue/rotational reports; schedulers (BFQ, mq-deadline users) read it. */
  rotational: boolean;
}

export type HddRotationModel = 'exact' | 'average';

export interface HddProfile extends ProfileBase {
  type: 'hdd';
  rpm: number;
  capacityGB: number;
  trackToTrackSeekMs: number;
  avgSeekMs: number;
  fullStrokeSeekMs: number;
  writeSettleMs: number;
  mediaRateOdMBps: number;
  mediaRateIdMBps: number;
  commandOverheadUs: number;
  linkMBps: number;
  ncqWindow: number;
  ageLimitMs: number;
  rotationModel: HddRotationModel;
  readAheadKiB: number;
  cacheSegments: number;
  writeCache: 'volatile' | 'none';
  writeCacheKiB: number;
  fua: boolean;
  flushOverheadUs: number;
}

export interface SsdProfile extends ProfileBase {
  type: 'ssd' | 'nvme';
  readOverheadUs: number;
  writeOverheadUs: number;
  linkMBps: number;
  linkCommandUs: number;
  channels: number;
  diesPerChannel: number;
  channelMBps: number;
  pageKiB: number;
  readLatencyUs: number;
  programLatencyUs: number;
  writeAmplification: number;
  writeCache: 'volatile' | 'plp' | 'none';
  writeBufferKiB: number;
  flushLatencyUs: number;
  flushBlocksQueue: boolean;
  fua: boolean;
  readHitRatio: number;
  readHitLatencyUs: number;
  /** Empirical t_R of a read that misses the cache, per size class; replaces readLatencyUs when set. */
  readServiceQuantiles?: ServiceClass[];
  /** Empirical acknowledgement time of a data write, per size class; replaces writeOverheadUs for them. */
  writeServiceQuantiles?: ServiceClass[];
  /** Controller time of a discard; when absent a discard costs writeOverheadUs like other commands. */
  discardLatencyUs?: number;
  /** Discard size cost: bytes / this rate is added to discardLatencyUs; absent: none. */
  discardMBps?: number;
}

export interface FixedProfile extends ProfileBase {
  type: 'fixed';
  readLatencyUs: number;
  writeLatencyUs: number;
  flushLatencyUs: number;
  discardLatencyUs: number;
  transferMBps?: number;
  writeCache: 'volatile' | 'none';
  fua: boolean;
}

export interface NullProfile extends ProfileBase {
  type: 'null';
  latencyNs: number;
}

export type DeviceProfile = HddProfile | SsdProfile | FixedProfile | NullProfile;

/** One profile field: its JSON type, bounds, unit and meaning. */
export interface FieldSpec {
  readonly key: string;
  /** 'array': a list of service-time size classes (service-quantiles.ts checks its items). */
  readonly kind: 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'array';
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  readonly values?: readonly string[];
  readonly optional?: boolean;
  /** Unit as printed by `profiles show` (the key name carries it too). */
  readonly unit?: string;
  readonly doc: string;
}

/** include/linux/blk-mq.h BLK_MQ_MAX_DEPTH: largest tag-set depth. */
const BLK_MQ_MAX_DEPTH = 10240;
/** Upper bound on hardware queues; far above any real controller's count. */
const MAX_HW_QUEUES = 4096;

/** Fields every profile has (besides `source`, checked on its own). */
export const COMMON_FIELDS: readonly FieldSpec[] = [
  { key: 'name', kind: 'string', doc: 'Profile name, as given to --device.' },
  { key: 'type', kind: 'enum', values: DEVICE_TYPES, doc: 'Model class.' },
  { key: 'description', kind: 'string', doc: 'One line: what device this stands for.' },
  { key: 'version', kind: 'integer', min: 1, optional: true, doc: 'Revision of this parameter set.' },
  {
    key: 'queueDepth',
    kind: 'integer',
    min: 1,
    max: BLK_MQ_MAX_DEPTH,
    unit: 'requests',
    doc: 'Driver tags per hardware queue (SATA NCQ 32; NVMe up to 64K).',
  },
  { key: 'nrHwQueues', kind: 'integer', min: 1, max: MAX_HW_QUEUES, unit: 'queues', doc: 'Hardware queues.' },
  { key: 'rotational', kind: 'boolean', doc: 'Value of sysfs queue/rotational.' },
];

const HDD_FIELDS: readonly FieldSpec[] = [
  {
    key: 'rpm',
    kind: 'number',
    above: 0,
    unit: 'rev/min',
    doc: 'Spindle speed; one revolution = 60000/rpm ms.',
  },
  {
    key: 'capacityGB',
    kind: 'number',
    above: 0,
    unit: 'GB (10^9 B)',
    doc: 'Capacity; LBA fractions for seek distance and zone rate are taken against it.',
  },
  {
    key: 'trackToTrackSeekMs',
    kind: 'number',
    above: 0,
    unit: 'ms',
    doc: 'Shortest seek (one track); the seek curve starts here.',
  },
  {
    key: 'avgSeekMs',
    kind: 'number',
    above: 0,
    unit: 'ms',
    doc: 'Mean seek over uniformly random position pairs (datasheet "average read seek").',
  },
  { key: 'fullStrokeSeekMs', kind: 'number', above: 0, unit: 'ms', doc: 'Seek across the whole LBA span.' },
  {
    key: 'writeSettleMs',
    kind: 'number',
    min: 0,
    unit: 'ms',
    doc: 'Extra settle time before a media write.',
  },
  {
    key: 'mediaRateOdMBps',
    kind: 'number',
    above: 0,
    unit: 'MB/s',
    doc: 'Media transfer rate at the outer edge (LBA 0).',
  },
  {
    key: 'mediaRateIdMBps',
    kind: 'number',
    above: 0,
    unit: 'MB/s',
    doc: 'Media transfer rate at the inner edge (last LBA).',
  },
  {
    key: 'commandOverheadUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Controller time per host command (also the ack time of a cached write, plus link transfer).',
  },
  {
    key: 'linkMBps',
    kind: 'number',
    above: 0,
    unit: 'MB/s',
    doc: 'Host link rate, for transfers served from the drive cache.',
  },
  {
    key: 'ncqWindow',
    kind: 'integer',
    min: 1,
    unit: 'requests',
    doc: 'Oldest queued commands the drive reorders by shortest positioning time; 1 = FIFO.',
  },
  {
    key: 'ageLimitMs',
    kind: 'number',
    above: 0,
    unit: 'ms',
    doc: 'A command queued this long is served next, whatever its position.',
  },
  {
    key: 'rotationModel',
    kind: 'enum',
    values: ['exact', 'average'],
    doc: 'exact: platter angle tracked in time; average: every media access waits half a revolution.',
  },
  {
    key: 'readAheadKiB',
    kind: 'number',
    min: 0,
    unit: 'KiB',
    doc: 'How far the drive keeps reading past a read while idle; 0 = no read-ahead.',
  },
  {
    key: 'cacheSegments',
    kind: 'integer',
    min: 1,
    max: 1024,
    unit: 'segments',
    doc: 'Read cache segments (one stream each), replaced round-robin.',
  },
  {
    key: 'writeCache',
    kind: 'enum',
    values: ['volatile', 'none'],
    doc: 'volatile: writes ack from cache, destage when idle, FLUSH waits for destage; none: write-through.',
  },
  { key: 'writeCacheKiB', kind: 'number', min: 0, unit: 'KiB', doc: 'Dirty data the write cache holds.' },
  { key: 'fua', kind: 'boolean', doc: 'Drive honours FUA (a FUA write goes to the media).' },
  {
    key: 'flushOverheadUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Cost of a FLUSH on top of destaging the dirty data.',
  },
];

const SSD_FIELDS: readonly FieldSpec[] = [
  {
    key: 'readOverheadUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Controller/FTL latency of a read command; a pure delay, not a shared resource.',
  },
  {
    key: 'writeOverheadUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Controller latency of a write (or flush, discard) command before it is acknowledged.',
  },
  {
    key: 'linkMBps',
    kind: 'number',
    above: 0,
    unit: 'MB/s',
    doc: 'Host link payload rate (SATA ≈560, PCIe 3.0 x4 ≈3900); one transfer at a time.',
  },
  {
    key: 'linkCommandUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Link time per command besides data (caps small-I/O IOPS, e.g. SATA near 100K).',
  },
  {
    key: 'channels',
    kind: 'integer',
    min: 1,
    unit: 'channels',
    doc: 'Flash channels; each moves one page at a time.',
  },
  {
    key: 'diesPerChannel',
    kind: 'integer',
    min: 1,
    unit: 'dies',
    doc: 'Dies on each channel; dies = channels × diesPerChannel run array operations in parallel.',
  },
  { key: 'channelMBps', kind: 'number', above: 0, unit: 'MB/s', doc: 'Transfer rate of one channel.' },
  {
    key: 'pageKiB',
    kind: 'integer',
    min: 1,
    unit: 'KiB',
    doc: 'Flash page (program unit); logical pages are striped over the dies in this unit.',
  },
  {
    key: 'readLatencyUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Array read time t_R of one page on a die.',
  },
  {
    key: 'programLatencyUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Program time t_PROG of one page on a die.',
  },
  {
    key: 'writeAmplification',
    kind: 'number',
    min: 1,
    unit: '×',
    doc: 'Die time multiplier for non-sequential writes (garbage collection); 1 = fresh drive.',
  },
  {
    key: 'writeCache',
    kind: 'enum',
    values: ['volatile', 'plp', 'none'],
    doc: 'volatile: buffered writes, FLUSH drains; plp: buffered and power-loss protected; none: write-through.',
  },
  {
    key: 'writeBufferKiB',
    kind: 'number',
    min: 0,
    unit: 'KiB',
    doc: 'Write buffer; a write waits for space when it is full of unprogrammed data.',
  },
  {
    key: 'flushLatencyUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Cost of a FLUSH after the buffer has drained (metadata commit).',
  },
  {
    key: 'flushBlocksQueue',
    kind: 'boolean',
    doc: 'FLUSH is a non-queued command (SATA): it waits for an idle queue and nothing runs beside it.',
  },
  { key: 'fua', kind: 'boolean', doc: 'Device honours FUA (a FUA write bypasses a volatile buffer).' },
  {
    key: 'readHitRatio',
    kind: 'number',
    min: 0,
    max: 1,
    unit: 'fraction',
    doc: 'Share of reads served from a cache in front of the flash (host page cache under a virtual disk).',
  },
  {
    key: 'readHitLatencyUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Service time of such a cache hit, instead of the die read.',
  },
  {
    key: 'readServiceQuantiles',
    kind: 'array',
    optional: true,
    unit: 'µs',
    doc: 'Empirical t_R of a read that misses the cache: per size class {upToKiB, quantilesUs}, quantiles at evenly spaced probabilities from 0 to 1; each read draws one (replaces readLatencyUs).',
  },
  {
    key: 'writeServiceQuantiles',
    kind: 'array',
    optional: true,
    unit: 'µs',
    doc: 'Empirical acknowledgement time of a data write, as readServiceQuantiles (replaces writeOverheadUs for data writes; FLUSH and other commands keep it).',
  },
  {
    key: 'discardLatencyUs',
    kind: 'number',
    min: 0,
    optional: true,
    unit: 'µs',
    doc: 'Controller time of a discard, after its command slot on the link (absent: writeOverheadUs, as other commands).',
  },
  {
    key: 'discardMBps',
    kind: 'number',
    above: 0,
    optional: true,
    unit: 'MB/s',
    doc: 'When given, a discard also takes its size / rate (a host file system punching a hole, an FTL unmapping a range).',
  },
];

const FIXED_FIELDS: readonly FieldSpec[] = [
  { key: 'readLatencyUs', kind: 'number', min: 0, unit: 'µs', doc: 'Time of every read.' },
  { key: 'writeLatencyUs', kind: 'number', min: 0, unit: 'µs', doc: 'Time of every write.' },
  { key: 'flushLatencyUs', kind: 'number', min: 0, unit: 'µs', doc: 'Time of every FLUSH.' },
  {
    key: 'discardLatencyUs',
    kind: 'number',
    min: 0,
    unit: 'µs',
    doc: 'Time of discards and other commands.',
  },
  {
    key: 'transferMBps',
    kind: 'number',
    above: 0,
    optional: true,
    unit: 'MB/s',
    doc: 'When given, bytes / rate is added to reads and writes.',
  },
  {
    key: 'writeCache',
    kind: 'enum',
    values: ['volatile', 'none'],
    doc: 'What the device reports to the block layer.',
  },
  { key: 'fua', kind: 'boolean', doc: 'What the device reports to the block layer.' },
];

const NULL_FIELDS: readonly FieldSpec[] = [
  { key: 'latencyNs', kind: 'integer', min: 0, unit: 'ns', doc: 'Time of every request (0 = same instant).' },
];

/** Type-specific fields, by type. */
export const TYPE_FIELDS: Readonly<Record<DeviceType, readonly FieldSpec[]>> = {
  hdd: HDD_FIELDS,
  ssd: SSD_FIELDS,
  nvme: SSD_FIELDS,
  fixed: FIXED_FIELDS,
  null: NULL_FIELDS,
};

/** The model parameters of a type: the common numbers and flags, then the type's own. */
export function parameterFields(type: DeviceType): FieldSpec[] {
  const common = COMMON_FIELDS.filter(
    (f) => f.key === 'queueDepth' || f.key === 'nrHwQueues' || f.key === 'rotational',
  );
  return [...common, ...TYPE_FIELDS[type]];
}

/** One thing wrong with a profile: where (dotted field path) and what. */
export interface ProfileProblem {
  readonly path: string;
  readonly message: string;
}

const SOURCE_KEYS = ['origin', 'references', 'params', 'fit', 'notes'];

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectation(f: FieldSpec): string {
  switch (f.kind) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'enum':
      return `one of ${(f.values ?? []).map((v) => `"${v}"`).join(', ')}`;
    case 'array':
      return 'an array of size classes {upToKiB, quantilesUs}';
    default: {
      const what = f.kind === 'integer' ? 'an integer' : 'a number';
      const bounds: string[] = [];
      if (f.above !== undefined) bounds.push(`> ${f.above}`);
      if (f.min !== undefined) bounds.push(`>= ${f.min}`);
      if (f.max !== undefined) bounds.push(`<= ${f.max}`);
      return bounds.length > 0 ? `${what} ${bounds.join(' and ')}` : what;
    }
  }
}

/** True when `v` satisfies the field's kind and bounds. */
export function fieldAccepts(f: FieldSpec, v: unknown): boolean {
  switch (f.kind) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string' && v.length > 0;
    case 'enum':
      return typeof v === 'string' && (f.values ?? []).includes(v);
    case 'array':
      return serviceTableProblems(f.key, v).length === 0;
    default:
      if (typeof v !== 'number' || !Number.isFinite(v)) return false;
      if (f.kind === 'integer' && !Number.isInteger(v)) return false;
      if (f.above !== undefined && !(v > f.above)) return false;
      if (f.min !== undefined && v < f.min) return false;
      if (f.max !== undefined && v > f.max) return false;
      return true;
  }
}

function checkFields(
  obj: Record<string, unknown>,
  fields: readonly FieldSpec[],
  out: ProfileProblem[],
): void {
  for (const f of fields) {
    const v = obj[f.key];
    if (v === undefined) {
      if (!f.optional) out.push({ path: f.key, message: `missing; expected ${expectation(f)}` });
      continue;
    }
    if (f.kind === 'array') out.push(...serviceTableProblems(f.key, v));
    else if (!fieldAccepts(f, v))
      out.push({ path: f.key, message: `expected ${expectation(f)}, found ${show(v)}` });
  }
}

function checkSource(v: unknown, type: DeviceType | undefined, out: ProfileProblem[]): void {
  if (!isObject(v)) {
    out.push({ path: 'source', message: `expected an object with "origin", found ${show(v)}` });
    return;
  }
  for (const k of Object.keys(v))
    if (!SOURCE_KEYS.includes(k))
      out.push({ path: `source.${k}`, message: `unknown key; expected one of ${SOURCE_KEYS.join(', ')}` });
  if (!(PROFILE_ORIGINS as readonly string[]).includes(v.origin as string))
    out.push({
      path: 'source.origin',
      message: `expected one of ${PROFILE_ORIGINS.map((o) => `"${o}"`).join(', ')}, found ${show(v.origin)}`,
    });
  if (v.references !== undefined) {
    if (!Array.isArray(v.references))
      out.push({
        path: 'source.references',
        message: `expected an array of strings, found ${show(v.references)}`,
      });
    else
      v.references.forEach((r, i) => {
        if (typeof r !== 'string')
          out.push({ path: `source.references[${i}]`, message: `expected a string, found ${show(r)}` });
      });
  }
  if (v.params !== undefined) {
    if (!isObject(v.params)) {
      out.push({ path: 'source.params', message: `expected an object, found ${show(v.params)}` });
    } else {
      const known = type ? parameterFields(type).map((f) => f.key) : undefined;
      for (const [k, c] of Object.entries(v.params)) {
        if (known && !known.includes(k))
          out.push({
            path: `source.params.${k}`,
            message: `cites "${k}", which is not a parameter of type ${type}`,
          });
        if (typeof c !== 'string')
          out.push({ path: `source.params.${k}`, message: `expected a string, found ${show(c)}` });
      }
    }
  }
  if (v.fit !== undefined && !isObject(v.fit))
    out.push({ path: 'source.fit', message: `expected an object, found ${show(v.fit)}` });
  if (v.notes !== undefined && typeof v.notes !== 'string')
    out.push({ path: 'source.notes', message: `expected a string, found ${show(v.notes)}` });
}

/** Checks between fields, run only when the fields involved are valid on their own. */
function checkRelations(obj: Record<string, unknown>, type: DeviceType, out: ProfileProblem[]): void {
  const fields = TYPE_FIELDS[type];
  const ok = (key: string): boolean => {
    const f = fields.find((x) => x.key === key) ?? COMMON_FIELDS.find((x) => x.key === key);
    return f !== undefined && fieldAccepts(f, obj[key]);
  };
  const n = (key: string): number => obj[key] as number;
  if (type === 'hdd') {
    // The power-law seek fit needs t_min < t_avg < t_full (devices-metrics §2.2).
    if (ok('trackToTrackSeekMs') && ok('avgSeekMs') && ok('fullStrokeSeekMs')) {
      if (!(n('trackToTrackSeekMs') < n('avgSeekMs') && n('avgSeekMs') < n('fullStrokeSeekMs')))
        out.push({
          path: 'avgSeekMs',
          message: `expected trackToTrackSeekMs (${n('trackToTrackSeekMs')}) < avgSeekMs (${n('avgSeekMs')}) < fullStrokeSeekMs (${n('fullStrokeSeekMs')})`,
        });
    }
    if (ok('mediaRateOdMBps') && ok('mediaRateIdMBps') && n('mediaRateIdMBps') > n('mediaRateOdMBps'))
      out.push({
        path: 'mediaRateIdMBps',
        message: `expected <= mediaRateOdMBps (${n('mediaRateOdMBps')}): outer tracks hold more sectors`,
      });
    if (ok('ncqWindow') && ok('queueDepth') && n('ncqWindow') > n('queueDepth'))
      out.push({ path: 'ncqWindow', message: `expected <= queueDepth (${n('queueDepth')})` });
  }
  if (
    (type === 'ssd' || type === 'nvme') &&
    obj.writeCache !== 'none' &&
    ok('writeBufferKiB') &&
    ok('pageKiB')
  ) {
    if (n('writeBufferKiB') < n('pageKiB'))
      out.push({
        path: 'writeBufferKiB',
        message: `expected >= pageKiB (${n('pageKiB')}) when writeCache is "${String(obj.writeCache)}"`,
      });
  }
}

/**
 * Every problem with `value` as a profile, each with its dotted field path ('rpm',
 * 'source.params.rpm', 'source.references[2]'). An empty list means it is a valid DeviceProfile.
 */
export function validateProfile(value: unknown): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  if (!isObject(value)) {
    out.push({ path: '', message: `expected a JSON object, found ${show(value)}` });
    return out;
  }
  checkFields(value, COMMON_FIELDS, out);
  const type = (DEVICE_TYPES as readonly string[]).includes(value.type as string)
    ? (value.type as DeviceType)
    : undefined;
  if (value.source === undefined)
    out.push({ path: 'source', message: 'missing; expected an object with "origin"' });
  else checkSource(value.source, type, out);
  if (value.$schema !== undefined && typeof value.$schema !== 'string')
    out.push({ path: '$schema', message: `expected a string, found ${show(value.$schema)}` });
  if (type === undefined) return out;
  const own = TYPE_FIELDS[type];
  checkFields(value, own, out);
  const known = new Set(['$schema', 'source', ...COMMON_FIELDS.map((f) => f.key), ...own.map((f) => f.key)]);
  for (const k of Object.keys(value))
    if (!known.has(k)) out.push({ path: k, message: `unknown key for type "${type}"` });
  checkRelations(value, type, out);
  return out;
}

/** Display unit of a parameter key, from the table. */
export function unitOf(type: DeviceType, key: string): string {
  return parameterFields(type).find((f) => f.key === key)?.unit ?? '';
}

/** One model parameter of a profile, for display: key, value, unit and cited source. */
export interface ProfileParameter {
  readonly key: string;
  readonly value: number | boolean | string | undefined;
  readonly unit: string;
  readonly source: string;
}

/** The profile's parameters in table order, each with its unit and citation (if any). */
export function profileParameters(profile: DeviceProfile): ProfileParameter[] {
  const values = profile as unknown as Record<string, unknown>;
  const cites = profile.source.params ?? {};
  return parameterFields(profile.type)
    .filter((f) => values[f.key] !== undefined)
    .map((f) => ({
      key: f.key,
      value:
        f.kind === 'array'
          ? describeServiceTable(values[f.key] as ServiceClass[])
          : (values[f.key] as number | boolean | string),
      unit: f.unit ?? '',
      source: cites[f.key] ?? '',
    }));
}

/** One line per table for display: each class's size bound, points, and min / median / max. */
function describeServiceTable(classes: readonly ServiceClass[]): string {
  return classes
    .map((c) => {
      const q = c.quantilesUs;
      return `<=${c.upToKiB} KiB: ${q.length} points ${q[0]} / ${q[(q.length - 1) >> 1]} / ${q[q.length - 1]}`;
    })
    .join('; ');
}
