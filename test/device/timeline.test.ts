import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Timeline } from '../../src/device/timeline.js';

describe('timeline (gap-filling booking of a shared resource)', () => {
  it('books back to back when work is ready in order', () => {
    const tl = new Timeline();
    expect(tl.book(0, 10, 0)).toBe(10);
    expect(tl.book(0, 10, 0)).toBe(20);
    expect(tl.book(5, 10, 0)).toBe(30);
    expect(tl.size).toBe(1); // touching bookings merge
  });

  it('serves work that is ready earlier in an earlier gap', () => {
    const tl = new Timeline();
    expect(tl.book(100, 10, 0)).toBe(110); // booked first, ready late
    expect(tl.book(20, 10, 0)).toBe(30); // booked later, ready sooner: goes before it
    expect(tl.book(95, 10, 0)).toBe(120); // [95,105) overlaps [100,110): after it
    expect(tl.book(30, 70, 0)).toBe(100); // fills [30,100) exactly
    expect(tl.size).toBe(1);
  });

  it('drops intervals that ended before now', () => {
    const tl = new Timeline();
    tl.book(0, 10, 0);
    tl.book(50, 10, 0);
    tl.book(100, 10, 0);
    expect(tl.size).toBe(3);
    expect(tl.book(200, 1, 105)).toBe(201);
    expect(tl.size).toBe(2);
  });

  test.prop([fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: 1, max: 50 })), { maxLength: 200 })])(
    'bookings never overlap, never start before ready, and take the earliest gap',
    (reqs) => {
      const tl = new Timeline();
      const busy: [number, number][] = [];
      for (const [ready, dur] of reqs) {
        // The earliest start >= ready that overlaps nothing booked so far (brute force).
        let t = ready;
        for (let moved = true; moved; ) {
          moved = false;
          for (const [s, e] of busy)
            if (s < t + dur && t < e) {
              t = e;
              moved = true;
            }
        }
        const end = tl.book(ready, dur, 0);
        expect(end).toBe(t + dur);
        busy.push([t, t + dur]);
      }
    },
  );
});
