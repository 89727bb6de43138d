// Calibration on the real traces in traces/ (a loop device on a virtio disk, traces/README.md).
// The checks: a profile fitted to seq-vs-rand.none predicts the D2C distribution of
// seq-vs-rand.mq-deadline (same device, same workload, other scheduler) with a demerit of
// at most 20% (devices-metrics §2.6); the model type comes from the data, not from the
// meta.json's rotational=1; flush times match the blkparse text; Little's law holds.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TraceRequests } from '../../src/device/calibrate/calibrate.js';
import { type CalibrationReport, calibrate } from '../../src/device/calibrate/calibrate.js';
import type { SsdFigures } from '../../src/device/calibrate/fit-ssd.js';
import { readTraceRequests } from '../../src/device/calibrate/load.js';
import { hintsFromMeta } from '../../src/device/calibrate/meta-hints.js';
import { predictD2c } from '../../src/device/calibrate/quality.js';
import { validateProfile } from '../../src/device/profile.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;

async function load(name: string, file = name): Promise<TraceRequests> {
  const hints = hintsFromMeta(JSON.parse(readFileSync(`${TRACES}${name}.meta.json`, 'utf8')));
  return (await readTraceRequests(`${TRACES}${file}`, { hints, label: name })).trace;
}

describe('seq-vs-rand.none → seq-vs-rand.mq-deadline', () => {
  let rep: CalibrationReport;
  let other: TraceRequests;
  beforeAll(async () => {
    rep = calibrate([await load('seq-vs-rand.none')], { name: 'loop', toolVersion: '0.0.0-test' });
    other = await load('seq-vs-rand.mq-deadline');
  });

  it('the profile validates and says where it came from', () => {
    expect(validateProfile(rep.profile)).toEqual([]);
    expect(rep.profile.source.origin).toBe('fitted');
    expect(rep.profile.source.references).toEqual(['seq-vs-rand.none']);
    const fit = rep.profile.source.fit as Record<string, unknown>;
    expect(fit.tool).toBe('ufq-replay 0.0.0-test');
    expect(fit.holdOut).toMatchObject({ fraction: 0.2 });
    expect(Object.keys(fit.holdOut as object)).toEqual(
      expect.arrayContaining(['demerit', 'ks', 'd2cErrorP50', 'd2cErrorP90', 'd2cErrorP99']),
    );
  });

  it('flash model although meta.json says rotational=1 (random 4 KiB reads take ~0.12 ms)', () => {
    expect(rep.profile.type).toBe('ssd');
    expect(rep.profile.rotational).toBe(true);
  });

  it("Little's law holds over busy periods (mean depth = throughput × mean D2C within 2%)", () => {
    const little = (rep.figures as SsdFigures).parallelism.little;
    expect(little.ratio).toBeGreaterThan(0.98);
    expect(little.ratio).toBeLessThan(1.02);
  });

  it('predicts the D2C distribution of the same device under mq-deadline: demerit <= 20%', () => {
    const q = predictD2c(rep.profile, other.requests);
    expect(q.recorded.n).toBe(6071); // btt: 6071 D2C samples (seq-vs-rand.mq-deadline.btt.avg)
    expect(q.demerit).toBeLessThanOrEqual(0.2);
  });

  // The service-time table's rare multi-millisecond draws make the demerit depend on where
  // they fall: the requirement must hold for a typical seed, not only for the default one.
  it('... and not by a lucky draw: the median demerit over seeds 1-9 is <= 20% too', () => {
    const d = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(
      (seed) => predictD2c(rep.profile, other.requests, seed).demerit,
    );
    d.sort((a, b) => a - b);
    expect(d[4]).toBeLessThanOrEqual(0.2);
  });
});

describe('flushes of ext4-copy-read.mq-deadline', () => {
  it('D→C of the four empty FLUSHes as in the blkparse text (274, 512, 467, 293 us)', async () => {
    const t = await load('ext4-copy-read.mq-deadline');
    // blkparse: D at 0.391485124, C at 0.391758676; 0.391933552 / 0.392445308;
    // 1.987784864 / 1.988252151; 1.988505695 / 1.988798752 (seconds).
    expect(t.hints?.flush?.flushD2cNs).toEqual([273_552, 511_756, 467_287, 293_057]);
    // Each follows a data write dispatched since the flush before it (blkparse: a "D W..."
    // with a size between consecutive "D FN" lines): jbd2's commit writes.
    expect(t.hints?.flush?.flushAfterWrite).toEqual([true, true, true, true]);
    expect(t.hints?.flush?.fuaWrites).toBe(0);
  });
});

describe('model type of every shipped trace', () => {
  it.each([
    ['seqwrite-plug.none', 'seqwrite-plug.none'],
    ['rw-mix.kyber', 'rw-mix.kyber'],
    ['prio-classes.none', 'prio-classes.none.tp.txt.gz'],
  ])('%s: flash model despite rotational=1', async (name, file) => {
    const rep = calibrate([await load(name, file)]);
    expect(rep.profile.type).toBe('ssd');
    expect(validateProfile(rep.profile)).toEqual([]);
  });
});
