// Builds a large binary blktrace by tiling a real capture: each tile is a byte copy of the
// records, shifted past the previous tile in time, in sector (so tiles never overlap on disk)
// and in sequence number (so no lost events appear). Per-CPU files and notes are kept;
// the wall-clock TIMESTAMP note stays in the first tile only. Output: per-CPU files, or one
// `blkparse -d`-style dump merged record by record in blkparse's order.
// Used by the benchmarks (decoding rate; comparisons with btt and fio).
//
//   npx tsx bench/tile-trace.ts [--min-records N] [--dump] [--out DIR/NAME] [TRACE]
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hasSector, TA_CGROUP, TC, TC_SHIFT, TN } from '../src/trace/blktrace/action.js';
import { checkStart, LAYOUT_V7, VERSION_7 } from '../src/trace/blktrace/magic.js';
import { StreamOrder } from '../src/trace/blktrace/merge.js';
import { cpuOfFileName } from '../src/trace/blktrace/reader.js';
import { ACT } from '../src/trace/event.js';
import { concat, type InputFile, openInput } from '../src/trace/input.js';

const L = LAYOUT_V7;
/** 2^32, to work on u64 fields as two u32 halves. */
const TWO_POW_32 = 4294967296;
/** Default idle time between tiles: 1 ms (in ns), so tiles do not touch. */
const DEFAULT_GAP_NS = 1_000_000;
/** Default target size: 2 million records (the decoding benchmark's floor). */
const DEFAULT_MIN_RECORDS = 2_000_000;
/** Bytes of a remap PDU's origin sector offset: after device_from and device_to (u32 each). */
const REMAP_SECTOR_AT = 8;
/** Bytes of a cgroup id in front of a PDU (trace-formats §1.5). */
const CGROUP_ID_BYTES = 8;

export interface TileOptions {
  /** A blktrace name as the CLI takes it (`traces/seqwrite-plug.none`). */
  input: string;
  /** Output path prefix: per-CPU files are `OUT.blktrace.N`, a dump is `OUT.dump`. */
  out: string;
  /** Tile until at least this many records. */
  minRecords?: number;
  /** 'per-cpu' (default) or 'dump'. */
  layout?: 'per-cpu' | 'dump';
  /** Idle ns between the end of one tile and the start of the next. */
  gapNs?: number;
}

export interface TileResult {
  tiles: number;
  /** Records written (events and notes). */
  records: number;
  /** Files written. */
  files: string[];
  /** Time and sector shift per tile. */
  timeStepNs: number;
  sectorStep: number;
}

/** One per-CPU source file, decompressed, with what tiling needs to know about it. */
interface Source {
  cpu: number;
  bytes: Uint8Array;
  le: boolean;
  records: number;
  maxSeq: number;
}

function readU64(v: DataView, at: number, le: boolean): number {
  return v.getUint32(at + (le ? 4 : 0), le) * TWO_POW_32 + v.getUint32(at + (le ? 0 : 4), le);
}

function writeU64(v: DataView, at: number, x: number, le: boolean): void {
  const hi = Math.floor(x / TWO_POW_32);
  v.setUint32(at + (le ? 4 : 0), hi >>> 0, le);
  v.setUint32(at + (le ? 0 : 4), (x - hi * TWO_POW_32) >>> 0, le);
}

async function readAll(f: InputFile): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of f.chunks()) parts.push(c);
  return concat(parts);
}

/** Walks the records of a v7 file: header offset, PDU length, action word. */
function* records(bytes: Uint8Array, le: boolean): Generator<[number, number, number]> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o + L.headerBytes <= bytes.length; ) {
    const pduLen = v.getUint16(o + L.pduLen, le);
    if (o + L.headerBytes + pduLen > bytes.length) break;
    yield [o, pduLen, v.getUint32(o + L.action, le)];
    o += L.headerBytes + pduLen;
  }
}

/**
 * The files of a blktrace name: the file itself, or NAME.blktrace.N[.gz] in CPU order (as the
 * CLI resolves it, without loading every format reader).
 */
export function blktraceFiles(name: string): string[] {
  if (statSync(name, { throwIfNoEntry: false })?.isFile()) return [name];
  const stem = basename(name);
  const files = readdirSync(dirname(name))
    .filter((e) => e.startsWith(`${stem}.blktrace.`) && cpuOfFileName(e) >= 0)
    .map((e) => join(dirname(name), e))
    .sort((a, b) => cpuOfFileName(a) - cpuOfFileName(b));
  if (files.length === 0) throw new Error(`${name}: no such file and no ${stem}.blktrace.N files`);
  return files;
}

/** Tiles the capture; returns what was written. */
export async function tileTrace(options: TileOptions): Promise<TileResult> {
  const paths = blktraceFiles(options.input);
  const sources: Source[] = [];
  let minTime = Number.POSITIVE_INFINITY;
  let maxTime = Number.NEGATIVE_INFINITY;
  let maxSectorEnd = 0;
  for (const path of paths) {
    const f = await openInput(path);
    const bytes = await readAll(f);
    if (bytes.length === 0) continue;
    const start = checkStart(bytes);
    if (start.kind !== 'ok' || start.version !== VERSION_7)
      throw new Error(`${path}: not a v7 blktrace file`);
    const le = start.littleEndian;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let n = 0;
    let maxSeq = 0;
    for (const [o, , action] of records(bytes, le)) {
      n++;
      maxSeq = Math.max(maxSeq, v.getUint32(o + L.sequence, le));
      if (((action >>> TC_SHIFT) & TC.NOTIFY) !== 0) continue;
      const t = readU64(v, o + L.time, le);
      minTime = Math.min(minTime, t);
      maxTime = Math.max(maxTime, t);
      if (hasSector(action & 0xff))
        maxSectorEnd = Math.max(
          maxSectorEnd,
          readU64(v, o + L.sector, le) + v.getUint32(o + L.bytes, le) / 512,
        );
    }
    sources.push({ cpu: cpuOfFileName(path), bytes, le, records: n, maxSeq });
  }
  if (sources.length === 0) throw new Error(`${options.input}: no records`);
  const perTile = sources.reduce((s, x) => s + x.records, 0);
  const tiles = Math.max(1, Math.ceil((options.minRecords ?? DEFAULT_MIN_RECORDS) / perTile));
  const timeStepNs = maxTime - minTime + (options.gapNs ?? DEFAULT_GAP_NS);
  // A power of two above the highest sector used, so tile k covers [k*step, (k+1)*step).
  const sectorStep = 2 ** Math.ceil(Math.log2(maxSectorEnd + 1));

  const tiled = sources.map((s) => ({ cpu: s.cpu, bytes: tileOne(s, tiles, timeStepNs, sectorStep) }));
  const files: string[] = [];
  mkdirSync(dirname(options.out), { recursive: true });
  if ((options.layout ?? 'per-cpu') === 'per-cpu') {
    tiled.forEach((t, i) => {
      const name = `${options.out}.blktrace.${t.cpu >= 0 ? t.cpu : i}`;
      writeFileSync(name, t.bytes);
      files.push(name);
    });
  } else {
    const name = `${options.out}.dump`;
    if (new Set(sources.map((x) => x.le)).size > 1) throw new Error('per-CPU files differ in byte order');
    writeFileSync(name, mergeToDump(tiled, sources[0].le));
    files.push(name);
  }
  return {
    tiles,
    records: perTile * tiles - (tiles - 1) * countTimestamps(sources),
    files,
    timeStepNs,
    sectorStep,
  };
}

function countTimestamps(sources: Source[]): number {
  let n = 0;
  for (const s of sources)
    for (const [, , action] of records(s.bytes, s.le))
      if (((action >>> TC_SHIFT) & TC.NOTIFY) !== 0 && (action & 0xff) === TN.TIMESTAMP) n++;
  return n;
}

/** `tiles` shifted copies of one per-CPU file. */
function tileOne(s: Source, tiles: number, timeStepNs: number, sectorStep: number): Uint8Array {
  const out = new Uint8Array(s.bytes.length * tiles);
  const v = new DataView(out.buffer);
  const le = s.le;
  let n = 0;
  for (let k = 0; k < tiles; k++) {
    for (const [o, pduLen, action] of records(s.bytes, le)) {
      const len = L.headerBytes + pduLen;
      const notify = ((action >>> TC_SHIFT) & TC.NOTIFY) !== 0;
      const code = action & 0xff;
      if (k > 0 && notify && code === TN.TIMESTAMP) continue;
      out.set(s.bytes.subarray(o, o + len), n);
      if (k > 0) {
        writeU64(v, n + L.time, readU64(v, n + L.time, le) + k * timeStepNs, le);
        const seq = v.getUint32(n + L.sequence, le);
        if (seq !== 0) v.setUint32(n + L.sequence, seq + k * s.maxSeq, le);
        if (!notify && hasSector(code)) {
          const shift = k * sectorStep;
          writeU64(v, n + L.sector, readU64(v, n + L.sector, le) + shift, le);
          // Remap origin and split point are sectors too; PDUs are big-endian (§1.8).
          const pdu = n + L.headerBytes + ((action & TA_CGROUP) !== 0 ? CGROUP_ID_BYTES : 0);
          const at = code === ACT.A ? pdu + REMAP_SECTOR_AT : code === ACT.X ? pdu : -1;
          if (at >= 0 && at + 8 <= n + len) writeU64(v, at, readU64(v, at, false) + shift, false);
        }
      }
      n += len;
    }
  }
  return out.subarray(0, n);
}

/** One tiled per-CPU file being merged into a dump: a cursor over its records. */
class RawStream {
  headTime = 0;
  private pos = 0;
  private headLen = 0;
  private readonly v: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly le: boolean,
    private readonly out: RawOut,
  ) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Moves to the next event; PROCESS/TIMESTAMP notes passed on the way go out unchanged. */
  advance(): boolean {
    const v = this.v;
    const le = this.le;
    while (this.pos + L.headerBytes <= this.bytes.length) {
      const len = L.headerBytes + v.getUint16(this.pos + L.pduLen, le);
      const action = v.getUint32(this.pos + L.action, le);
      if (((action >>> TC_SHIFT) & TC.NOTIFY) !== 0 && (action & 0xff) !== TN.MESSAGE) {
        // As blkparse -d does: notes keep their absolute time (trace-formats §2.6).
        this.out.copy(this.bytes.subarray(this.pos, this.pos + len));
        this.pos += len;
        continue;
      }
      this.headLen = len;
      this.headTime = readU64(v, this.pos + L.time, le);
      return true;
    }
    return false;
  }

  /** Writes the head event with its time made relative to `genesis`. */
  emit(genesis: number): void {
    const at = this.out.copy(this.bytes.subarray(this.pos, this.pos + this.headLen));
    writeU64(this.out.view, at + L.time, this.headTime - genesis, this.le);
    this.pos += this.headLen;
  }
}

/** The dump being written. */
class RawOut {
  readonly buf: Uint8Array;
  readonly view: DataView;
  n = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  copy(rec: Uint8Array): number {
    const at = this.n;
    this.buf.set(rec, at);
    this.n += rec.length;
    return at;
  }
}

/**
 * Merges the tiled per-CPU files into one `blkparse -d`-style dump, record by record: events in
 * blkparse's merge order with times relative to the first event, notes copied as met, and
 * sequence numbers untouched (so notes keep the numbers recent kernels give them).
 */
function mergeToDump(tiled: Array<{ bytes: Uint8Array }>, le: boolean): Uint8Array {
  const out = new RawOut(tiled.reduce((n, t) => n + t.bytes.length, 0));
  const order = new StreamOrder<RawStream>();
  for (const t of tiled) {
    const s = new RawStream(t.bytes, le, out);
    if (s.advance()) order.insert(s);
  }
  const genesis = order.size > 0 ? order.list[0].headTime : 0;
  while (order.size > 0) {
    const s = order.list[0];
    s.emit(genesis);
    if (!s.advance()) order.dropHead();
    else order.resortHead();
  }
  return out.buf.subarray(0, out.n);
}

function parseArgs(argv: string[]): TileOptions {
  const o: TileOptions = { input: 'traces/seqwrite-plug.none', out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--min-records') o.minRecords = Number(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--dump') o.layout = 'dump';
    else if (a === '--gap-ns') o.gapNs = Number(argv[++i]);
    else o.input = a;
  }
  if (!o.out) o.out = `bench/out/${o.input.split('/').pop()}.tiled`;
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgs(process.argv.slice(2));
  const r = await tileTrace(opts);
  console.log(
    `${opts.input}: ${r.tiles} tiles, ${r.records} records, time step ${r.timeStepNs} ns, sector step ${r.sectorStep}`,
  );
  for (const f of r.files) console.log(`  wrote ${f}`);
}
