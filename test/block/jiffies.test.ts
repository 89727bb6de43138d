// Delayed work on the timer wheel (block/jiffies.ts): expected values are worked out by hand
// from include/linux/jiffies.h msecs_to_jiffies (round up) and kernel/time/timer.c
// calc_wheel_index / calc_index (level by delay, expiry rounded up past itself).
import { describe, expect, it } from 'vitest';
import { delayedWorkNs, jiffiesAt, msecs_to_jiffies } from '../../src/block/jiffies.js';

describe('msecs_to_jiffies and jiffies', () => {
  it('rounds a delay up to whole jiffies', () => {
    expect([1000, 300, 250, 100].map((hz) => msecs_to_jiffies(3, hz))).toEqual([3, 1, 1, 1]);
    expect(msecs_to_jiffies(3, 10000)).toBe(30);
  });

  it('counts whole ticks since time 0', () => {
    expect([jiffiesAt(0, 1000), jiffiesAt(999_999, 1000), jiffiesAt(1_000_000, 1000)]).toEqual([0, 0, 1]);
    expect(jiffiesAt(3_333_334, 300)).toBe(1);
  });
});

describe('delayedWorkNs', () => {
  it('no delay: queued at once, no timer', () => {
    expect(delayedWorkNs(1_234_567, 0, 1000)).toBe(0);
  });

  it('HZ 1000, 3 jiffies from a tick: expiry jiffy 3, bucket jiffy 4', () => {
    expect(delayedWorkNs(0, 3, 1000)).toBe(4_000_000);
  });

  it('HZ 1000, 3 jiffies from mid-jiffy 2: bucket jiffy 6, 3.5 ms away', () => {
    expect(delayedWorkNs(2_500_000, 3, 1000)).toBe(3_500_000);
  });

  it('HZ 100, 1 jiffy from 15 ms (jiffy 1): bucket jiffy 3, at 30 ms', () => {
    expect(delayedWorkNs(15_000_000, 1, 100)).toBe(15_000_000);
  });

  it('HZ 300, 1 jiffy from 0: bucket jiffy 2, at the first ns of it (2e9 / 300 rounded up)', () => {
    expect(delayedWorkNs(0, 1, 300)).toBe(6_666_667);
  });

  it('a delay of 100 jiffies goes to level 1 (8-jiffy buckets): expiry 100 runs at jiffy 104', () => {
    expect(delayedWorkNs(0, 100, 1000)).toBe(104_000_000);
  });
});
