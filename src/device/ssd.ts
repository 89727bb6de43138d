// The flash device model (SATA SSD and NVMe: one class, different parameters;
// devices-metrics §2.3). Structure: host link -> controller -> write buffer -> channels x dies.
// A request books its stages when it is accepted: on its die, then in the earliest fitting
// gap of its channel and of the link (timeline.ts), so its completion time is known at once
// and no per-stage events exist. A die programs the write buffer's pages in booking order;
// a read that lands on it waits for the program under way only, not for the ones booked
// after it (without program suspend, a read waits the rest of t_PROG, devices-metrics §2.3). Not modelled: FTL mapping state, GC timing (folded into a write
// amplification factor), TLC page types, program suspend, SLC cache (docs/device-profiles.md).
// A profile may replace the fixed t_R and write acknowledgement by empirical tables drawn per
// request (service-quantiles.ts); queueing on dies, channels and the link is the same.
import { DOUBLE_FIELD } from '../double-field.js';
import type { Engine } from '../sim/engine.js';
import type { Rng } from '../sim/rng.js';
import { FLAG, OP } from '../trace/event.js';
import { CompletionQueue } from './completion-queue.js';
import type { CompletionFn, DeviceModel, DeviceRequest, SubmitResult } from './model.js';
import type { SsdProfile } from './profile.js';
import { ServiceSampler } from './service-quantiles.js';
import { Timeline } from './timeline.js';
import { KIB, NS_PER_US, nsPerByte, SECTOR_BYTES } from './units.js';

const CACHE_VOLATILE = 0;
const CACHE_PLP = 1;
const CACHE_NONE = 2;

/** Initial size of the buffer-release heap (page programs pending); doubles when full. */
const RELEASE_HEAP_INITIAL = 64;

class SsdDevice implements DeviceModel {
  readonly queueDepth: number;
  readonly nrHwQueues: number;
  readonly volatileWriteCache: boolean;
  readonly fua: boolean;
  private n = 0;
  /** Requests the device holds at most: tags are per hardware queue. */
  private readonly capacity: number;
  private readonly cq: CompletionQueue;

  // Parameters in engine units.
  private readonly readOverheadNs: number;
  private readonly writeOverheadNs: number;
  /** A discard's controller time, and its size cost per byte (0: none). */
  private readonly discardNs: number;
  private readonly discardNsPerByte: number;
  private readonly linkCommandNs: number;
  private readonly linkNsPerByte: number;
  private readonly channelNsPerByte: number;
  private readonly readNs: number;
  private readonly programNs: number;
  /** Program time charged to a non-sequential page: t_PROG x write amplification. */
  private readonly programWaNs: number;
  private readonly flushNs: number;
  private readonly hitNs: number;
  private readonly hitRatio: number;
  private readonly pageBytes: number;
  private readonly dies: number;
  private readonly channels: number;
  private readonly cache: number;
  private readonly bufferBytes: number;
  private readonly flushBlocks: boolean;
  /** Empirical t_R and write acknowledgement times by size, or null for the fixed times. */
  private readonly readService: ServiceSampler | null;
  private readonly writeService: ServiceSampler | null;

  /** When each die's programs booked so far end (ns): the next program starts after it. */
  private readonly dieFreeNs: Float64Array;
  /** When each die's last read leaves it (ns): reads on a die go one at a time. */
  private readonly readFreeNs: Float64Array;
  /** Per die, the booked programs not yet over, oldest first: [start, end] pairs. */
  private readonly programs: DiePrograms[];
  private readonly channelTl: Timeline[];
  private readonly linkTl = new Timeline();
  /** Dies take new pages round-robin, as an FTL stripes its write frontier. */
  private nextWriteDie = 0;

  // Write buffer: bytes accepted and not yet programmed, and when their pages finish.
  private bufferedBytes = 0;
  /** Bytes of the page being filled (not yet handed to a die). */
  private openBytes = 0;
  /** Latest acceptance time among the writes in the open page. */
  private openReadyNs = DOUBLE_FIELD;
  /** End of the last page program booked on any die; a FLUSH waits for it. */
  private lastProgramEndNs = DOUBLE_FIELD;
  private relTimeNs = new Float64Array(RELEASE_HEAP_INITIAL);
  private relBytes = new Float64Array(RELEASE_HEAP_INITIAL);
  private relN = 0;
  /** Sector after the previous write, to tell sequential writes (no GC cost) from the rest. */
  private lastWriteEnd = DOUBLE_FIELD;

  /** A non-queued FLUSH is inside the device (SATA): everything else is refused. */
  private blockingFlush = false;

  constructor(
    readonly profile: SsdProfile,
    private readonly engine: Engine,
    private readonly rng: Rng,
    private readonly onComplete: CompletionFn,
  ) {
    // Times and sectors: doubles from the start (DOUBLE_FIELD).
    this.openReadyNs = 0;
    this.lastProgramEndNs = 0;
    this.lastWriteEnd = -1;
    const p = profile;
    this.queueDepth = p.queueDepth;
    this.nrHwQueues = p.nrHwQueues;
    this.volatileWriteCache = p.writeCache === 'volatile';
    this.fua = p.fua;
    this.capacity = p.queueDepth * p.nrHwQueues;
    this.readOverheadNs = Math.round(p.readOverheadUs * NS_PER_US);
    this.writeOverheadNs = Math.round(p.writeOverheadUs * NS_PER_US);
    this.discardNs = Math.round((p.discardLatencyUs ?? p.writeOverheadUs) * NS_PER_US);
    this.discardNsPerByte = p.discardMBps === undefined ? 0 : nsPerByte(p.discardMBps);
    this.linkCommandNs = Math.round(p.linkCommandUs * NS_PER_US);
    this.linkNsPerByte = nsPerByte(p.linkMBps);
    this.channelNsPerByte = nsPerByte(p.channelMBps);
    this.readNs = Math.round(p.readLatencyUs * NS_PER_US);
    this.programNs = Math.round(p.programLatencyUs * NS_PER_US);
    this.programWaNs = Math.round(p.programLatencyUs * p.writeAmplification * NS_PER_US);
    this.flushNs = Math.round(p.flushLatencyUs * NS_PER_US);
    this.hitNs = Math.round(p.readHitLatencyUs * NS_PER_US);
    this.hitRatio = p.readHitRatio;
    this.pageBytes = p.pageKiB * KIB;
    this.channels = p.channels;
    this.dies = p.channels * p.diesPerChannel;
    this.cache =
      p.writeCache === 'volatile' ? CACHE_VOLATILE : p.writeCache === 'plp' ? CACHE_PLP : CACHE_NONE;
    this.bufferBytes = p.writeBufferKiB * KIB;
    this.flushBlocks = p.flushBlocksQueue;
    this.readService = p.readServiceQuantiles ? new ServiceSampler(p.readServiceQuantiles) : null;
    this.writeService = p.writeServiceQuantiles ? new ServiceSampler(p.writeServiceQuantiles) : null;
    this.dieFreeNs = new Float64Array(this.dies);
    this.readFreeNs = new Float64Array(this.dies);
    this.programs = Array.from({ length: this.dies }, () => new DiePrograms());
    this.channelTl = Array.from({ length: this.channels }, () => new Timeline());
    this.cq = new CompletionQueue(engine, (rq) => this.complete(rq));
  }

  get inflight(): number {
    return this.n;
  }

  submit(rq: DeviceRequest): SubmitResult {
    if (this.n >= this.capacity) return 'busy';
    const isFlush = rq.op === OP.FLUSH || (rq.flags & FLAG.PREFLUSH) !== 0;
    if (this.flushBlocks) {
      // drivers/ata/libata-core.c ata_std_qc_defer: a non-NCQ command (FLUSH CACHE) waits for
      // an idle queue, and no NCQ command is issued while it runs; the host sees "busy".
      if (this.blockingFlush) return 'busy';
      if (isFlush && this.n > 0) return 'busy';
      if (isFlush) this.blockingFlush = true;
    }
    this.n++;
    const now = this.engine.now;
    let doneNs: number;
    switch (rq.op) {
      case OP.READ:
        doneNs = this.read(now, rq.sector, rq.bytes);
        break;
      case OP.WRITE:
      case OP.ZONE_APPEND: {
        // A PREFLUSH on a data write (normally split off by blk-flush) runs the flush first.
        const start = isFlush ? this.flush(now) : now;
        doneNs = this.write(start, rq.sector, rq.bytes, (rq.flags & FLAG.FUA) !== 0);
        break;
      }
      case OP.FLUSH:
        doneNs = this.flush(now);
        break;
      case OP.DISCARD:
        // Controller time and, when the profile says, a size cost (unmapping a range, or the
        // host punching a hole under a virtual disk). SIMPLIFIED: FTL state is not tracked, so
        // a range trimmed twice costs the same twice.
        doneNs = this.command(now, this.discardNs + Math.round(rq.bytes * this.discardNsPerByte));
        break;
      default:
        // Write-zeroes, secure erase, zone management: a command without data on the flash
        // path.
        doneNs = this.command(now, this.writeOverheadNs);
    }
    this.cq.push(doneNs, rq);
    return 'queued';
  }

  private complete(rq: DeviceRequest): void {
    this.n--;
    if (this.blockingFlush && (rq.op === OP.FLUSH || (rq.flags & FLAG.PREFLUSH) !== 0))
      this.blockingFlush = false;
    this.onComplete(rq, 0);
  }

  /** Command without data: link command slot, then `controllerNs`. */
  private command(startNs: number, controllerNs: number): number {
    return this.linkTl.book(startNs, this.linkCommandNs, this.engine.now) + controllerNs;
  }

  /**
   * Read: controller, then each flash page on its die (t_R) and channel (transfer of the bytes
   * wanted from that page), then the whole request over the link.
   * read(QD1) = overhead + t_R + chunk/channel + command + size/link (devices-metrics §2.3).
   */
  private read(startNs: number, sector: number, bytes: number): number {
    const t = startNs + this.readOverheadNs;
    let flashDone = t;
    if (this.hitRatio > 0 && this.rng.next() < this.hitRatio) {
      flashDone = t + this.hitNs;
    } else if (bytes > 0) {
      // One t_R per request (all its pages), drawn from the empirical table when there is one.
      const readNs = this.readService === null ? this.readNs : this.readService.draw(bytes, this.rng.next());
      const pageBytes = this.pageBytes;
      const b0 = sector * SECTOR_BYTES;
      const b1 = b0 + bytes;
      const last = Math.floor((b1 - 1) / pageBytes);
      const readFree = this.readFreeNs;
      const now = this.engine.now;
      for (let page = Math.floor(b0 / pageBytes); page <= last; page++) {
        // Logical pages are striped over dies, and dies over channels (die d on channel d mod C).
        const die = page % this.dies;
        const ch = die % this.channels;
        const lo = page * pageBytes > b0 ? page * pageBytes : b0;
        const hi = (page + 1) * pageBytes < b1 ? (page + 1) * pageBytes : b1;
        // After the die's previous read, and after the program under way then (not the ones
        // booked behind it: the die takes the read first).
        const start = this.programs[die].endOfProgramAt(readFree[die] > t ? readFree[die] : t, now);
        const sensed = start + readNs;
        // The die holds the sensed page in its register until the channel has moved it.
        const moved = this.channelTl[ch].book(sensed, Math.round((hi - lo) * this.channelNsPerByte), now);
        readFree[die] = moved;
        // A die with no program booked past the read starts its next one after it.
        if (this.dieFreeNs[die] < moved) this.dieFreeNs[die] = moved;
        if (moved > flashDone) flashDone = moved;
      }
    }
    return this.linkTl.book(
      flashDone,
      this.linkCommandNs + Math.round(bytes * this.linkNsPerByte),
      this.engine.now,
    );
  }

  /**
   * Write: data over the link, controller time, then either acknowledged from the buffer
   * (pages programmed later) or, write-through, after its pages are programmed.
   */
  private write(startNs: number, sector: number, bytes: number, fua: boolean): number {
    const linkNs = this.linkCommandNs + Math.round(bytes * this.linkNsPerByte);
    const ackNs =
      this.writeService === null ? this.writeOverheadNs : this.writeService.draw(bytes, this.rng.next());
    const t = this.linkTl.book(startNs, linkNs, this.engine.now) + ackNs;
    // Sequential writes invalidate whole blocks, so GC copies nothing for them (WA ~ 1, §2.3).
    const progNs = sector === this.lastWriteEnd ? this.programNs : this.programWaNs;
    this.lastWriteEnd = sector + bytes / SECTOR_BYTES;
    const through =
      this.cache === CACHE_NONE || (this.cache === CACHE_VOLATILE && fua) || bytes > this.bufferBytes;
    if (through) {
      let done = t;
      for (let left = bytes; left > 0; left -= this.pageBytes) {
        const end = this.program(t, left < this.pageBytes ? left : this.pageBytes, progNs);
        if (end > done) done = end;
      }
      return done;
    }
    const ack = this.admit(t, bytes);
    this.bufferedBytes += bytes;
    this.openBytes += bytes;
    if (ack > this.openReadyNs) this.openReadyNs = ack;
    while (this.openBytes >= this.pageBytes) {
      const end = this.program(this.openReadyNs, this.pageBytes, progNs);
      this.pushRelease(end, this.pageBytes);
      this.openBytes -= this.pageBytes;
    }
    return ack;
  }

  /** Books one page program on the next die; returns when it ends. */
  private program(readyNs: number, bytes: number, progNs: number): number {
    const die = this.nextWriteDie;
    this.nextWriteDie = die + 1 === this.dies ? 0 : die + 1;
    const ready = this.dieFreeNs[die] > readyNs ? this.dieFreeNs[die] : readyNs;
    const moved = this.channelTl[die % this.channels].book(
      ready,
      Math.round(bytes * this.channelNsPerByte),
      this.engine.now,
    );
    const s = moved + progNs;
    this.dieFreeNs[die] = s;
    this.programs[die].push(moved, s);
    if (s > this.lastProgramEndNs) this.lastProgramEndNs = s;
    return s;
  }

  /** Earliest time >= t at which `bytes` more fit in the write buffer. */
  private admit(t: number, bytes: number): number {
    while (this.relN > 0 && this.relTimeNs[0] <= t) this.bufferedBytes -= this.popRelease();
    // Full: wait for the earliest programs to finish and take their space.
    while (this.bufferedBytes + bytes > this.bufferBytes && this.relN > 0) {
      const at = this.relTimeNs[0];
      this.bufferedBytes -= this.popRelease();
      if (at > t) t = at;
    }
    return t;
  }

  /**
   * FLUSH: with a volatile buffer, the partly filled page is programmed (padded) and the flush
   * waits for every booked program; then the fixed flush cost (metadata commit). A PLP or
   * write-through device has nothing volatile to drain.
   */
  private flush(startNs: number): number {
    let t = startNs + this.writeOverheadNs;
    if (this.cache === CACHE_VOLATILE) {
      if (this.openBytes > 0) {
        const ready = this.openReadyNs > t ? this.openReadyNs : t;
        const end = this.program(ready, this.pageBytes, this.programNs);
        this.pushRelease(end, this.openBytes);
        this.openBytes = 0;
      }
      if (this.lastProgramEndNs > t) t = this.lastProgramEndNs;
    }
    return t + this.flushNs;
  }

  private pushRelease(atNs: number, bytes: number): void {
    if (this.relN === this.relTimeNs.length) {
      const t = new Float64Array(this.relN * 2);
      t.set(this.relTimeNs);
      const b = new Float64Array(this.relN * 2);
      b.set(this.relBytes);
      this.relTimeNs = t;
      this.relBytes = b;
    }
    const time = this.relTimeNs;
    const by = this.relBytes;
    let i = this.relN++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (time[p] <= atNs) break;
      time[i] = time[p];
      by[i] = by[p];
      i = p;
    }
    time[i] = atNs;
    by[i] = bytes;
  }

  /** Removes the earliest release; returns its bytes. */
  private popRelease(): number {
    const time = this.relTimeNs;
    const by = this.relBytes;
    const top = by[0];
    const last = --this.relN;
    const t = time[last];
    const b = by[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && time[c + 1] < time[c]) c++;
      if (t <= time[c]) break;
      time[i] = time[c];
      by[i] = by[c];
      i = c;
    }
    if (last > 0) {
      time[i] = t;
      by[i] = b;
    }
    return top;
  }
}

export function createSsdDevice(
  profile: SsdProfile,
  engine: Engine,
  rng: Rng,
  onComplete: CompletionFn,
): DeviceModel {
  return new SsdDevice(profile, engine, rng, onComplete);
}

/**
 * The programs booked on one die and not yet over, oldest first (bookings on a die never
 * overlap and come in time order): two parallel arrays used as a queue.
 */
class DiePrograms {
  private start: number[] = [];
  private end: number[] = [];
  private head = 0;

  push(startNs: number, endNs: number): void {
    if (this.head > 64 && this.head * 2 > this.start.length) {
      this.start = this.start.slice(this.head);
      this.end = this.end.slice(this.head);
      this.head = 0;
    }
    this.start.push(startNs);
    this.end.push(endNs);
  }

  /**
   * `t`, or the end of the program under way at `t` (a read waits for it, and only for it);
   * programs over by `nowNs` are dropped first (`t` >= `nowNs`).
   */
  endOfProgramAt(t: number, nowNs: number): number {
    const end = this.end;
    while (this.head < end.length && end[this.head] <= nowNs) this.head++;
    for (let k = this.head; k < end.length; k++) {
      if (end[k] <= t) continue;
      return this.start[k] <= t ? end[k] : t;
    }
    return t;
  }
}
