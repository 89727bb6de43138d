// neverSplitBytes: the size below which the queue skips splitSectors must be one at which
// splitSectors (block/blk-merge.c bio_split_rw_at / __bio_split_discard) never splits, for
// any op and any limits, and one sector more must be split for some op.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { BioImpl, neverSplitBytes, splitSectors } from '../../src/block/bio.js';
import { resolveLimits } from '../../src/block/limits.js';
import {
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
} from '../../src/kernel-abi.js';

const OPS = [
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_OP_DISCARD,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_FLUSH,
];

const limits = fc
  .record({
    max_sectors_kb: fc.integer({ min: 4, max: 4096 }),
    max_segments: fc.integer({ min: 1, max: 512 }),
    max_segment_size: fc.integer({ min: 1, max: 1 << 12 }).map((k) => k * 512),
    max_discard_sectors: fc.integer({ min: 8, max: 1 << 22 }),
  })
  .map((input) => resolveLimits(64, input));

function bio(op: number, bytes: number): BioImpl {
  const b = new BioImpl();
  b.bi_opf = op;
  b.bi_iter.bi_size = bytes;
  return b;
}

describe('neverSplitBytes', () => {
  test.prop([limits, fc.constantFrom(...OPS), fc.double({ min: 0, max: 1, noNaN: true })])(
    'no bio of that size or less is split, whatever its op',
    (lim, op, fraction) => {
      const bytes = Math.floor((fraction * neverSplitBytes(lim)) / 512) * 512;
      expect(splitSectors(bio(op, bytes), lim)).toBe(0);
      expect(splitSectors(bio(op, neverSplitBytes(lim)), lim)).toBe(0);
    },
  );

  test.prop([limits])('one sector more is split for a read or for a discard', (lim) => {
    const bytes = neverSplitBytes(lim) + 512;
    const splits = [REQ_OP_READ, REQ_OP_DISCARD].map((op) => splitSectors(bio(op, bytes), lim));
    expect(splits.some((s) => s > 0)).toBe(true);
  });
});
