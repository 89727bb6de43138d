// The disk model (devices-metrics §2.2): one actuator serving queued commands one at a
// time, each costing command overhead + seek (+ write settle) + rotational wait + zoned
// transfer. The drive reorders its queue by shortest positioning time within an NCQ window,
// with an age limit; reads leave data in read-ahead segments that keep filling while the
// actuator is idle; a volatile write cache acks writes at link speed and destages when idle;
// FLUSH is a non-queued command that drains it. Geometry formulas live in hdd-geometry.ts.
import { DOUBLE_FIELD } from '../double-field.js';
import type { Engine } from '../sim/engine.js';
import type { Rng } from '../sim/rng.js';
import { FLAG, OP } from '../trace/event.js';
import { CompletionQueue } from './completion-queue.js';
import { HddGeometry } from './hdd-geometry.js';
import type { CompletionFn, DeviceModel, DeviceRequest, SubmitResult } from './model.js';
import type { HddProfile } from './profile.js';
import { KIB, NS_PER_MS, NS_PER_US, nsPerByte, SECTOR_BYTES } from './units.js';

/** Dirty extents the write cache tracks; a write that needs another one goes to the media. */
const DIRTY_EXTENTS_MAX = 256;
/** Sequential writes coalesce into one dirty extent up to 1 MiB (2048 sectors), so a destage
 * holds the actuator for at most ~5–10 ms of transfer and reads are not stuck behind it. */
const EXTENT_SECTORS_MAX = 2048;

const ACT_HOST = 1;
const ACT_DESTAGE = 2;

function frac(x: number): number {
  return x - Math.floor(x);
}

class HddDevice implements DeviceModel {
  readonly queueDepth: number;
  readonly nrHwQueues: number;
  readonly volatileWriteCache: boolean;
  readonly fua: boolean;
  private n = 0;
  private readonly capacity: number;
  private readonly g: HddGeometry;
  private readonly cq: CompletionQueue;
  private readonly actuatorDone = (): void => this.onActuatorDone();

  // Parameters in engine units.
  private readonly cmdNs: number;
  private readonly settleNs: number;
  private readonly ageLimitNs: number;
  private readonly linkNsPerByte: number;
  private readonly flushOverheadNs: number;
  private readonly ncqWindow: number;
  private readonly exactRotation: boolean;
  private readonly raSectors: number;
  private readonly cacheBytes: number;
  /** Platter angle at t = 0, a fraction of a turn drawn from the run's rng. */
  private readonly phase0: number;

  // Commands waiting for the actuator, in arrival order.
  private readonly pendRq: (DeviceRequest | undefined)[];
  private readonly pendArrNs: Float64Array;
  private readonly pendWrite: Uint8Array;
  /** Angular position of each pending command's first sector (computed once, at arrival). */
  private readonly pendAngle: Float64Array;
  private npend = 0;

  // The actuator.
  private busy = false;
  private headSector = DOUBLE_FIELD;
  /** Sectors per track under the head (the "same track" test of every seek from here). */
  private headSpt = 0;
  /** When the last actuator operation ended (a command starting then streams on). */
  private lastEndNs = DOUBLE_FIELD;
  private curKind = 0;
  private curRq: DeviceRequest | undefined = undefined;
  private curStart = DOUBLE_FIELD;
  private curEnd = DOUBLE_FIELD;
  private curWrite = false;
  private curDirtyBytes = 0;

  // Read-ahead segments; `active` is the one still being filled while idle (-1: none).
  private readonly segStart: Float64Array;
  private readonly segEnd: Float64Array;
  private segNext = 0;
  private active = -1;
  private activeFromNs = DOUBLE_FIELD;
  /** Where the active segment's media read ended, and how far read-ahead may go. */
  private activeBase = DOUBLE_FIELD;
  private activeLimit = DOUBLE_FIELD;

  // Write cache: dirty extents in arrival order.
  private readonly dStart = new Float64Array(DIRTY_EXTENTS_MAX);
  private readonly dLen = new Float64Array(DIRTY_EXTENTS_MAX);
  private readonly dAngle = new Float64Array(DIRTY_EXTENTS_MAX);
  private dCount = 0;
  private dirtyBytes = 0;

  /** A non-queued FLUSH is inside the drive until it completes: nothing else is taken. */
  private nonQueued: DeviceRequest | undefined = undefined;
  /** The FLUSH waiting for the write cache to drain. */
  private flushRq: DeviceRequest | undefined = undefined;
  private linkFreeNs = DOUBLE_FIELD;

  constructor(
    readonly profile: HddProfile,
    private readonly engine: Engine,
    rng: Rng,
    private readonly onComplete: CompletionFn,
  ) {
    // Times and sectors: doubles from the start (DOUBLE_FIELD).
    this.headSector = 0;
    this.lastEndNs = -1;
    this.curStart = 0;
    this.curEnd = 0;
    this.activeFromNs = 0;
    this.activeBase = 0;
    this.activeLimit = 0;
    this.linkFreeNs = 0;
    const p = profile;
    this.queueDepth = p.queueDepth;
    this.nrHwQueues = p.nrHwQueues;
    this.volatileWriteCache = p.writeCache === 'volatile';
    this.fua = p.fua;
    this.capacity = p.queueDepth * p.nrHwQueues;
    this.g = new HddGeometry(p);
    this.cmdNs = Math.round(p.commandOverheadUs * NS_PER_US);
    this.settleNs = p.writeSettleMs * NS_PER_MS;
    this.ageLimitNs = p.ageLimitMs * NS_PER_MS;
    this.linkNsPerByte = nsPerByte(p.linkMBps);
    this.flushOverheadNs = Math.round(p.flushOverheadUs * NS_PER_US);
    this.ncqWindow = p.ncqWindow;
    this.exactRotation = p.rotationModel === 'exact';
    this.raSectors = (p.readAheadKiB * KIB) / SECTOR_BYTES;
    this.cacheBytes = p.writeCache === 'volatile' ? p.writeCacheKiB * KIB : 0;
    this.phase0 = rng.next();
    this.pendRq = new Array(this.capacity);
    this.pendArrNs = new Float64Array(this.capacity);
    this.pendWrite = new Uint8Array(this.capacity);
    this.pendAngle = new Float64Array(this.capacity);
    this.headSpt = this.g.sectorsPerTrack(0);
    this.segStart = new Float64Array(p.cacheSegments).fill(-1);
    this.segEnd = new Float64Array(p.cacheSegments).fill(-1);
    this.cq = new CompletionQueue(engine, (rq) => {
      this.n--;
      if (rq === this.nonQueued) this.nonQueued = undefined;
      this.onComplete(rq, 0);
      // A write acknowledged from cache leaves dirty data: an idle actuator starts destaging.
      if (!this.busy) this.startNext(this.engine.now);
    });
  }

  get inflight(): number {
    return this.n;
  }

  submit(rq: DeviceRequest): SubmitResult {
    if (this.n >= this.capacity) return 'busy';
    const isFlush = rq.op === OP.FLUSH || (rq.flags & FLAG.PREFLUSH) !== 0;
    // drivers/ata/libata-core.c ata_std_qc_defer: FLUSH CACHE is non-NCQ, so it is issued only
    // to an idle queue and nothing is issued beside it.
    if (this.nonQueued !== undefined) return 'busy';
    if (isFlush && this.n > 0) return 'busy';
    this.n++;
    const now = this.engine.now;
    if (isFlush) {
      this.nonQueued = rq;
      this.flushRq = rq;
      if (!this.busy) this.startNext(now);
    } else {
      this.route(rq, now);
    }
    return 'queued';
  }

  /** Sends a data command to the cache path or the actuator queue. */
  private route(rq: DeviceRequest, now: number): void {
    const sectors = Math.ceil(rq.bytes / SECTOR_BYTES);
    switch (rq.op) {
      case OP.READ:
        if (this.cacheHit(now, rq.sector, sectors)) this.cq.push(this.cacheTransfer(now, rq.bytes), rq);
        else this.enqueue(rq, false, now);
        return;
      case OP.WRITE:
      case OP.ZONE_APPEND:
        this.invalidate(rq.sector, sectors);
        if (this.cacheBytes > 0 && (rq.flags & FLAG.FUA) === 0 && this.admitDirty(rq.sector, sectors))
          this.cq.push(this.cacheTransfer(now, rq.bytes), rq);
        else this.enqueue(rq, true, now);
        return;
      case OP.WRITE_ZEROES:
      case OP.SECURE_ERASE:
        this.invalidate(rq.sector, sectors);
        this.enqueue(rq, true, now);
        return;
      default:
        // Discard and zone commands: no media access on a conventional disk.
        this.cq.push(now + this.cmdNs, rq);
    }
  }

  private enqueue(rq: DeviceRequest, write: boolean, now: number): void {
    const i = this.npend++;
    this.pendRq[i] = rq;
    this.pendArrNs[i] = now;
    this.pendWrite[i] = write ? 1 : 0;
    this.pendAngle[i] = this.g.sectorAngle(rq.sector);
    if (!this.busy) this.startNext(now);
  }

  /** Cache path: command overhead, then the bytes over the link (one transfer at a time). */
  private cacheTransfer(now: number, bytes: number): number {
    let t = now + this.cmdNs;
    if (this.linkFreeNs > t) t = this.linkFreeNs;
    t += Math.round(bytes * this.linkNsPerByte);
    this.linkFreeNs = t;
    return t;
  }

  /** Picks the actuator's next job: a host command, else a destage, else the flush ends. */
  private startNext(now: number): void {
    if (this.npend > 0) this.startHost(now, this.pickHost(now));
    else if (this.dCount > 0) this.startDestage(now, this.pickDirty(now));
    else if (this.flushRq !== undefined) this.finishFlush(now);
  }

  /** NCQ: the oldest command if it has waited past the age limit, else the cheapest to reach
   * among the oldest `ncqWindow` (ties go to the older). */
  private pickHost(now: number): number {
    if (this.npend === 1 || now - this.pendArrNs[0] >= this.ageLimitNs) return 0;
    this.stopPrefetch(now);
    const w = this.npend < this.ncqWindow ? this.npend : this.ncqWindow;
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = 0; i < w; i++) {
      const rq = this.pendRq[i] as DeviceRequest;
      const cost = this.positionNs(now, rq.sector, this.pendAngle[i], this.pendWrite[i] === 1, this.cmdNs);
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    }
    return best;
  }

  private pickDirty(now: number): number {
    this.stopPrefetch(now);
    const w = this.dCount < this.ncqWindow ? this.dCount : this.ncqWindow;
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let j = 0; j < w; j++) {
      const cost = this.positionNs(now, this.dStart[j], this.dAngle[j], true, 0);
      if (cost < bestCost) {
        bestCost = cost;
        best = j;
      }
    }
    return best;
  }

  /**
   * Time from `now` until the head is over `target` ready to transfer: 0 when it continues
   * the operation that just ended (NCQ overlaps the command overhead), else `overheadNs` +
   * seek (+ settle for a write) + rotational wait (exact platter angle, or half a turn in
   * "average" mode).
   */
  private positionNs(
    now: number,
    target: number,
    targetAngle: number,
    write: boolean,
    overheadNs: number,
  ): number {
    if (target === this.headSector && now === this.lastEndNs) return 0;
    const g = this.g;
    const seek = g.seekDistanceNs(
      target > this.headSector ? target - this.headSector : this.headSector - target,
      this.headSpt,
    );
    let t = overheadNs + seek;
    if (write && seek > 0) t += this.settleNs;
    if (!this.exactRotation) return t + g.revNs / 2;
    const angle = frac(this.phase0 + (now + t) / g.revNs);
    return t + frac(targetAngle - angle) * g.revNs;
  }

  private startHost(now: number, i: number): void {
    const rq = this.pendRq[i] as DeviceRequest;
    const write = this.pendWrite[i] === 1;
    const angle = this.pendAngle[i];
    const last = --this.npend;
    for (let k = i; k < last; k++) {
      this.pendRq[k] = this.pendRq[k + 1];
      this.pendArrNs[k] = this.pendArrNs[k + 1];
      this.pendWrite[k] = this.pendWrite[k + 1];
      this.pendAngle[k] = this.pendAngle[k + 1];
    }
    this.pendRq[last] = undefined;
    const s = rq.sector;
    const sectors = Math.ceil(rq.bytes / SECTOR_BYTES);
    const e = s + sectors;
    let dur: number;
    const a = this.active;
    if (!write && a >= 0 && s >= this.segStart[a] && s <= this.prefetchEnd(now)) {
      // The head is streaming through these sectors already: no seek, no rotational wait.
      const have = this.prefetchEnd(now + this.cmdNs);
      dur = this.cmdNs + (e > have ? this.g.transferNs(have, e - have) : 0);
      this.segEnd[a] = have;
      this.active = -1;
    } else {
      this.stopPrefetch(now);
      dur = this.positionNs(now, s, angle, write, this.cmdNs) + this.g.transferNs(s, sectors);
    }
    this.busy = true;
    this.curKind = ACT_HOST;
    this.curRq = rq;
    this.curStart = s;
    this.curEnd = e;
    this.curWrite = write;
    this.engine.after(Math.round(dur), this.actuatorDone);
  }

  private startDestage(now: number, j: number): void {
    const s = this.dStart[j];
    const len = this.dLen[j];
    const angle = this.dAngle[j];
    const last = --this.dCount;
    this.dStart.copyWithin(j, j + 1, last + 1);
    this.dLen.copyWithin(j, j + 1, last + 1);
    this.dAngle.copyWithin(j, j + 1, last + 1);
    // Internal operation: no host command overhead.
    const dur = this.positionNs(now, s, angle, true, 0);
    this.busy = true;
    this.curKind = ACT_DESTAGE;
    this.curRq = undefined;
    this.curStart = s;
    this.curEnd = s + len;
    this.curWrite = true;
    this.curDirtyBytes = len * SECTOR_BYTES;
    this.engine.after(Math.round(dur + this.g.transferNs(s, len)), this.actuatorDone);
  }

  private onActuatorDone(): void {
    const now = this.engine.now;
    this.busy = false;
    this.lastEndNs = now;
    this.moveHead(this.curEnd);
    if (this.curKind === ACT_DESTAGE) {
      this.dirtyBytes -= this.curDirtyBytes;
    } else {
      const rq = this.curRq as DeviceRequest;
      this.curRq = undefined;
      if (!this.curWrite) this.keepReadData(this.curStart, this.curEnd, now);
      this.n--;
      if (rq === this.nonQueued) this.nonQueued = undefined;
      this.onComplete(rq, 0);
    }
    // The completion may have started the next operation already (a submit while idle).
    if (!this.busy) this.startNext(now);
  }

  private finishFlush(now: number): void {
    const rq = this.flushRq as DeviceRequest;
    this.flushRq = undefined;
    if (rq.op === OP.FLUSH) {
      this.cq.push(now + this.cmdNs + this.flushOverheadNs, rq);
    } else {
      // A PREFLUSH data write (normally split off by blk-flush): the data part follows now.
      // SIMPLIFIED: its flush overhead is not charged.
      this.route(rq, now);
    }
  }

  // --- read-ahead segments ---

  /** How far the active segment has been read ahead by time t (sectors). */
  private prefetchEnd(t: number): number {
    const grown = ((t - this.activeFromNs) / this.g.revNs) * this.g.sectorsPerTrack(this.activeBase);
    let end = this.activeBase + grown;
    if (end > this.activeLimit) end = this.activeLimit;
    if (end > this.g.capacitySectors) end = this.g.capacitySectors;
    return end;
  }

  /** Ends read-ahead: the segment keeps what was read, the head stays where it stopped. */
  private stopPrefetch(now: number): void {
    const a = this.active;
    if (a < 0) return;
    const end = this.prefetchEnd(now);
    this.segEnd[a] = end;
    this.moveHead(end);
    this.active = -1;
  }

  private moveHead(sector: number): void {
    this.headSector = sector;
    this.headSpt = this.g.sectorsPerTrack(sector);
  }

  /** A media read finished: its data stay in a segment, which keeps filling while idle. */
  private keepReadData(s: number, e: number, now: number): void {
    const nseg = this.segStart.length;
    let slot = -1;
    for (let i = 0; i < nseg; i++)
      if (this.segStart[i] >= 0 && this.segStart[i] <= s && s <= this.segEnd[i]) {
        slot = i;
        break;
      }
    if (slot < 0) {
      slot = this.segNext;
      this.segNext = slot + 1 === nseg ? 0 : slot + 1;
    }
    this.segStart[slot] = s;
    this.segEnd[slot] = e;
    this.active = slot;
    this.activeFromNs = now;
    this.activeBase = e;
    this.activeLimit = e + this.raSectors;
  }

  private cacheHit(now: number, s: number, sectors: number): boolean {
    const e = s + sectors;
    const nseg = this.segStart.length;
    for (let i = 0; i < nseg; i++) {
      const end = i === this.active ? this.prefetchEnd(now) : this.segEnd[i];
      if (this.segStart[i] >= 0 && this.segStart[i] <= s && e <= end) {
        // A stream consuming the read-ahead keeps it going (the window moves with the host).
        if (i === this.active && e + this.raSectors > this.activeLimit) this.activeLimit = e + this.raSectors;
        return true;
      }
    }
    // Read hits on dirty data still in the write cache.
    for (let j = 0; j < this.dCount; j++)
      if (this.dStart[j] <= s && e <= this.dStart[j] + this.dLen[j]) return true;
    return false;
  }

  /** A write makes overlapping read-ahead data stale. */
  private invalidate(s: number, sectors: number): void {
    const e = s + sectors;
    const nseg = this.segStart.length;
    for (let i = 0; i < nseg; i++) {
      if (this.segStart[i] < 0) continue;
      const end = i === this.active ? this.prefetchEnd(this.engine.now) : this.segEnd[i];
      if (this.segStart[i] < e && s < end) {
        if (i === this.active) this.stopPrefetch(this.engine.now);
        this.segStart[i] = -1;
        this.segEnd[i] = -1;
      }
    }
  }

  // --- write cache ---

  /** Takes a write into the cache if it fits; sequential writes extend the last extent. */
  private admitDirty(s: number, sectors: number): boolean {
    const bytes = sectors * SECTOR_BYTES;
    if (this.dirtyBytes + bytes > this.cacheBytes) return false;
    const k = this.dCount - 1;
    if (k >= 0 && this.dStart[k] + this.dLen[k] === s && this.dLen[k] + sectors <= EXTENT_SECTORS_MAX) {
      this.dLen[k] += sectors;
    } else {
      if (this.dCount === DIRTY_EXTENTS_MAX) return false;
      this.dStart[this.dCount] = s;
      this.dLen[this.dCount] = sectors;
      this.dAngle[this.dCount] = this.g.sectorAngle(s);
      this.dCount++;
    }
    this.dirtyBytes += bytes;
    return true;
  }
}

export function createHddDevice(
  profile: HddProfile,
  engine: Engine,
  rng: Rng,
  onComplete: CompletionFn,
): DeviceModel {
  return new HddDevice(profile, engine, rng, onComplete);
}
