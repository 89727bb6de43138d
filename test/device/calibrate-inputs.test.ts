// Calibration inputs (devices-metrics §2.5 steps 1-2, 4): requests from a paired table
// (merged bios, D order, requests in flight at D, seek distance), the time split, the
// cache-hit cluster, the model-type rule, flush observations and meta.json hints.
import { describe, expect, it } from 'vitest';
import { decideType } from '../../src/device/calibrate/device-type.js';
import { FlushScanner } from '../../src/device/calibrate/flush-scan.js';
import { detectHitCluster } from '../../src/device/calibrate/hits.js';
import { hintsFromMeta } from '../../src/device/calibrate/meta-hints.js';
import {
  deviceRequests,
  type RequestRow,
  requestsFromRows,
  splitByTime,
} from '../../src/device/calibrate/requests.js';
import { Rng } from '../../src/sim/rng.js';
import { ACT, FLAG, newBatch, OP } from '../../src/trace/event.js';
import { IoTableBuilder, NONE } from '../../src/trace/io-table.js';

describe('deviceRequests: one row per dispatched request', () => {
  const b = new IoTableBuilder(8);
  const row = (
    dev: number,
    tD: number,
    tC: number,
    op: number,
    sector: number,
    bytes: number,
    into = NONE,
  ) => {
    const i = b.push();
    const t = b.table;
    t.dev[i] = dev;
    t.tQ[i] = tD - 10;
    t.tD[i] = tD;
    t.tC[i] = tC;
    t.op[i] = op;
    t.sector[i] = sector;
    t.bytes[i] = bytes;
    t.mergedInto[i] = into;
  };
  row(1, 100, 300, OP.READ, 0, 4096); // head of a request
  row(1, 100, 300, OP.READ, 8, 4096, 0); // merged into row 0
  row(1, 150, 200, OP.WRITE, 1000, 8192);
  row(1, NONE, NONE, OP.READ, 5000, 4096); // never dispatched
  row(2, 120, 130, OP.READ, 0, 4096); // another device
  const r = deviceRequests(b.finish());

  it('keeps the busiest device, requests with D and C, in D order', () => {
    expect(r.length).toBe(2);
    expect(Array.from(r.tD)).toEqual([100, 150]);
    expect(Array.from(r.op)).toEqual([OP.READ, OP.WRITE]);
  });

  it('a request carries the bytes of the bios merged into it', () => {
    expect(Array.from(r.bytes)).toEqual([8192, 8192]);
  });

  it('requests in flight at D and seek distance from the previous end', () => {
    expect(Array.from(r.inflight)).toEqual([0, 1]);
    expect(r.seekSectors[0]).toBe(-1);
    expect(r.seekSectors[1]).toBe(1000 - 16);
  });

  it('a completion at the same instant as a dispatch has freed the device', () => {
    const t = requestsFromRows([
      { tD: 0, tC: 200, op: OP.READ, sector: 0, bytes: 4096 },
      { tD: 200, tC: 300, op: OP.READ, sector: 8, bytes: 4096 },
    ]);
    expect(Array.from(t.inflight)).toEqual([0, 0]);
    expect(t.seekSectors[1]).toBe(0);
  });
});

describe('splitByTime: the last fifth of the span by D time is held out', () => {
  it('D at 0..100: 80 fit, 21 held out', () => {
    const rows: RequestRow[] = Array.from({ length: 101 }, (_, i) => ({
      tD: i,
      tC: i + 0.5,
      op: OP.READ,
      sector: i * 8,
      bytes: 4096,
    }));
    const { fit, holdOut } = splitByTime(requestsFromRows(rows));
    expect(fit.length).toBe(80);
    expect(holdOut.length).toBe(21);
    expect(holdOut.tD[0]).toBe(80);
  });
});

describe('detectHitCluster (§2.5 step 4)', () => {
  const rng = new Rng(5);
  it('finds a 20% cluster at 15-30 us beside a main mode at 90-200 us', () => {
    const ns = Array.from({ length: 2000 }, () =>
      rng.next() < 0.2 ? rng.range(15_000, 30_000) : rng.range(90_000, 200_000),
    );
    const c = detectHitCluster(ns);
    expect(c).toBeDefined();
    expect(c!.share).toBeGreaterThan(0.17);
    expect(c!.share).toBeLessThan(0.23);
    expect(c!.thresholdNs).toBeGreaterThan(30_000);
    expect(c!.thresholdNs).toBeLessThan(90_000);
  });

  it('none in a single mode', () => {
    expect(detectHitCluster(Array.from({ length: 2000 }, () => rng.range(90_000, 200_000)))).toBeUndefined();
  });

  it('none with too few samples', () => {
    expect(detectHitCluster([20_000, 20_000, 150_000])).toBeUndefined();
  });
});

describe('decideType: seeks decide, queue/rotational does not', () => {
  /** Idle random 4 KiB reads whose service is base + slope × distance fraction. */
  const idleRandom = (baseNs: number, slopeNs: number) => {
    const rng = new Rng(9);
    const rows: RequestRow[] = [];
    let t = 0;
    for (let i = 0; i < 200; i++) {
      const sector = rng.int(1_000_000) * 8;
      const prevEnd = i === 0 ? 0 : rows[i - 1].sector + 8;
      const svc =
        baseNs +
        slopeNs * (Math.abs(sector - prevEnd) / 8_000_000) +
        rng.range(0, 8_000_000 * (slopeNs > 0 ? 1 : 0));
      rows.push({ tD: t, tC: t + svc, op: OP.READ, sector, bytes: 4096 });
      t += svc + 1_000_000;
    }
    return requestsFromRows(rows);
  };

  it('random reads of 3-20 ms growing with distance: hdd', () => {
    expect(decideType(idleRandom(3_000_000, 12_000_000), 'auto').type).toBe('hdd');
  });

  it('random reads of 0.12 ms: ssd, even when sysfs says rotational', () => {
    expect(decideType(idleRandom(120_000, 0), 'auto', true).type).toBe('ssd');
  });

  it('an explicit type wins', () => {
    expect(decideType(idleRandom(120_000, 0), 'hdd').type).toBe('hdd');
  });

  it('too few random requests (sequential only): ssd whatever sysfs says', () => {
    const rows: RequestRow[] = Array.from({ length: 50 }, (_, i) => ({
      tD: i * 1e6,
      tC: i * 1e6 + 100_000,
      op: OP.WRITE,
      sector: i * 8,
      bytes: 4096,
    }));
    expect(decideType(requestsFromRows(rows), 'auto', true).type).toBe('ssd');
  });
});

describe('FlushScanner: empty FLUSHes pair D with C in order; FUA on dispatched writes', () => {
  it('counts and times', () => {
    const b = newBatch(8);
    const ev = (action: number, op: number, flags: number, bytes: number, t: number) => {
      const i = b.length++;
      b.action[i] = action;
      b.op[i] = op;
      b.flags[i] = flags;
      b.bytes[i] = bytes;
      b.timeNs[i] = t;
      b.dev[i] = 7;
    };
    // blkparse "D FN" / "C FN" pairs (traces/ext4-copy-read: 274 us and 512 us).
    ev(ACT.D, OP.WRITE, 0, 4096, 500);
    ev(ACT.D, OP.FLUSH, 0, 0, 1000);
    ev(ACT.D, OP.FLUSH, 0, 0, 2000);
    ev(ACT.C, OP.FLUSH, 0, 0, 275_000);
    ev(ACT.C, OP.FLUSH, 0, 0, 514_000);
    ev(ACT.D, OP.WRITE, FLAG.FUA, 4096, 600_000);
    const s = new FlushScanner();
    s.observe(b);
    const r = s.result();
    expect(r.flushD2cNs).toEqual([274_000, 512_000]);
    // The first flush follows a dispatched write; the second comes with nothing written since.
    expect(r.flushAfterWrite).toEqual([true, false]);
    expect(r.fuaWrites).toBe(1);
    expect(r.cacheEvidence).toBe(2);
  });
});

describe('hintsFromMeta (NAME.meta.json)', () => {
  it('reads scheduler, nr_requests and rotational given as strings', () => {
    expect(
      hintsFromMeta({ scheduler: 'mq-deadline', queue: { nr_requests: '256', rotational: '1' } }),
    ).toEqual({ scheduler: 'mq-deadline', nrRequests: 256, rotational: true });
  });

  it('leaves odd values out', () => {
    expect(hintsFromMeta({ scheduler: 3, queue: { nr_requests: 'many', rotational: '2' } })).toEqual({});
    expect(hintsFromMeta(null)).toEqual({});
  });
});
