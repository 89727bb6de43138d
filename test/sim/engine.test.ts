// The discrete-event engine: ordering against a reference sort and a naive engine, lazy
// cancellation, run(until), stop, step, errors and determinism.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { Engine, type EventFn, PRIO } from '../../src/sim/engine.js';

/** A naive reference engine: linear scan for the smallest (time, priority, seq) each step. */
class NaiveEngine {
  now = 0;
  private seq = 0;
  private q: { t: number; p: number; s: number; fn: EventFn }[] = [];
  at(t: number, fn: EventFn, p: number = PRIO.NORMAL): void {
    this.q.push({ t, p, s: this.seq++, fn });
  }
  run(): void {
    while (this.q.length > 0) {
      let m = 0;
      for (let i = 1; i < this.q.length; i++) {
        const a = this.q[i];
        const b = this.q[m];
        if (a.t < b.t || (a.t === b.t && (a.p < b.p || (a.p === b.p && a.s < b.s)))) m = i;
      }
      const [e] = this.q.splice(m, 1);
      this.now = e.t;
      e.fn();
    }
  }
}

interface Spec {
  t: number;
  p: number;
  kids: { d: number; p: number }[];
}
const specArb: fc.Arbitrary<Spec[]> = fc.array(
  fc.record({
    t: fc.integer({ min: 0, max: 40 }),
    p: fc.integer({ min: 0, max: 2 }),
    kids: fc.array(fc.record({ d: fc.integer({ min: 0, max: 15 }), p: fc.integer({ min: 0, max: 2 }) }), {
      maxLength: 3,
    }),
  }),
  { maxLength: 80 },
);

/** Runs the program (each event logs itself and schedules its children) on an engine-like object. */
function play(
  eng: { now: number; at(t: number, fn: EventFn, p?: number): unknown; run(): void },
  specs: Spec[],
): string[] {
  const log: string[] = [];
  specs.forEach((s, i) => {
    eng.at(
      s.t,
      () => {
        log.push(`${i}@${eng.now}`);
        s.kids.forEach((k, j) => {
          eng.at(eng.now + k.d, () => log.push(`${i}.${j}@${eng.now}`), k.p);
        });
      },
      s.p,
    );
  });
  eng.run();
  return log;
}

describe('engine ordering', () => {
  test.prop([fc.array(fc.record({ t: fc.integer({ min: 0, max: 20 }), p: fc.integer({ min: 0, max: 2 }) }))])(
    'events run in (time, priority, insertion) order',
    (evs) => {
      const eng = new Engine();
      const ran: number[] = [];
      evs.forEach((e, i) => {
        eng.at(e.t, () => ran.push(i), e.p);
      });
      expect(eng.pending).toBe(evs.length);
      eng.run();
      const expected = evs
        .map((e, i) => ({ ...e, i }))
        .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
        .map((e) => e.i);
      expect(ran).toEqual(expected);
      expect(eng.executed).toBe(evs.length);
      expect(eng.pending).toBe(0);
    },
  );

  test.prop([specArb])('events scheduled from events match a naive engine', (specs) => {
    expect(play(new Engine(), specs)).toEqual(play(new NaiveEngine(), specs));
  });

  test.prop([specArb])('same program, same trace (determinism)', (specs) => {
    expect(play(new Engine(), specs)).toEqual(play(new Engine(), specs));
  });

  it('priority classes order same-time events: URGENT, NORMAL, LATE', () => {
    const eng = new Engine();
    const log: string[] = [];
    eng.at(10, () => log.push('late'), PRIO.LATE);
    eng.at(10, () => log.push('normal'));
    eng.at(10, () => log.push('urgent'), PRIO.URGENT);
    eng.at(9, () => log.push('earlier'), PRIO.LATE);
    eng.run();
    expect(log).toEqual(['earlier', 'urgent', 'normal', 'late']);
    expect(eng.now).toBe(10);
  });

  it('an event scheduled for now from inside an event runs after the current one', () => {
    const eng = new Engine();
    const log: string[] = [];
    eng.at(5, () => {
      log.push('a');
      eng.after(0, () => log.push('c'), PRIO.URGENT);
    });
    eng.at(5, () => log.push('b'));
    eng.run();
    // 'c' is URGENT but was scheduled later; it still precedes the pending NORMAL 'b'.
    expect(log).toEqual(['a', 'c', 'b']);
  });
});

describe('engine cancellation', () => {
  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 })])(
    'cancelled events never run; the rest keep their order',
    (evs) => {
      const eng = new Engine();
      const ran: number[] = [];
      const handles = evs.map(([t], i) => eng.at(t, () => ran.push(i)));
      let cancelled = 0;
      evs.forEach(([, cancel], i) => {
        if (!cancel) return;
        expect(eng.cancel(handles[i])).toBe(true);
        expect(eng.cancel(handles[i])).toBe(false);
        cancelled++;
      });
      expect(eng.pending).toBe(evs.length - cancelled);
      eng.run();
      const expected = evs
        .map(([t, c], i) => ({ t, c, i }))
        .filter((e) => !e.c)
        .sort((a, b) => a.t - b.t || a.i - b.i)
        .map((e) => e.i);
      expect(ran).toEqual(expected);
      expect(eng.executed).toBe(expected.length);
      // Handles of events that ran are stale.
      for (const h of handles) expect(eng.cancel(h)).toBe(false);
    },
  );

  it('mass cancellation purges the queue and keeps handles exact', () => {
    const eng = new Engine();
    const ran: number[] = [];
    const n = 5000;
    const handles: number[] = [];
    for (let i = 0; i < n; i++) handles.push(eng.at(n - i, () => ran.push(i)));
    for (let i = 0; i < n; i++) if (i % 5 !== 0) expect(eng.cancel(handles[i])).toBe(true);
    expect(eng.pending).toBe(n / 5);
    // Slots freed by the purge are reused; old handles must not cancel the new events.
    const later: number[] = [];
    for (let i = 0; i < 100; i++) eng.at(n + 1 + i, () => later.push(i));
    for (let i = 0; i < n; i++) if (i % 5 !== 0) expect(eng.cancel(handles[i])).toBe(false);
    eng.run();
    const expected: number[] = [];
    for (let i = n - 1; i >= 0; i--) if (i % 5 === 0) expected.push(i);
    expect(ran).toEqual(expected);
    expect(later).toHaveLength(100);
  });

  it('an event can cancel a later one', () => {
    const eng = new Engine();
    const log: string[] = [];
    const h = eng.at(20, () => log.push('timer'));
    eng.at(10, () => {
      log.push('io');
      expect(eng.cancel(h)).toBe(true);
    });
    eng.run();
    expect(log).toEqual(['io']);
    expect(eng.now).toBe(10);
  });

  it('unknown or malformed handles are refused', () => {
    const eng = new Engine();
    expect(eng.cancel(12345)).toBe(false);
    expect(eng.cancel(-1)).toBe(false);
    expect(eng.cancel(1.5)).toBe(false);
  });
});

describe('engine run(until), stop, step, peek', () => {
  it('run(until) runs events at or before until, then sets now = until', () => {
    const eng = new Engine();
    const log: number[] = [];
    for (const t of [5, 10, 15, 20]) eng.at(t, () => log.push(t));
    eng.run(10);
    expect(log).toEqual([5, 10]);
    expect(eng.now).toBe(10);
    eng.run(12);
    expect(eng.now).toBe(12);
    expect(eng.pending).toBe(2);
    expect(eng.peek()).toBe(15);
    eng.run();
    expect(log).toEqual([5, 10, 15, 20]);
    expect(eng.now).toBe(20);
  });

  it('run(until) advances the clock to until when the queue drains first', () => {
    const eng = new Engine();
    eng.at(3, () => {});
    eng.run(100);
    expect(eng.now).toBe(100);
    eng.run(100);
    expect(eng.now).toBe(100);
  });

  it('stop() returns after the current event and leaves the clock there', () => {
    const eng = new Engine();
    const log: number[] = [];
    eng.at(1, () => log.push(1));
    eng.at(2, () => {
      log.push(2);
      eng.stop();
    });
    eng.at(3, () => log.push(3));
    eng.run(50);
    expect(log).toEqual([1, 2]);
    expect(eng.now).toBe(2);
    expect(eng.pending).toBe(1);
    eng.run();
    expect(log).toEqual([1, 2, 3]);
  });

  it('step() runs one live event and skips cancelled ones', () => {
    const eng = new Engine();
    const log: number[] = [];
    const h = eng.at(1, () => log.push(1));
    eng.at(2, () => log.push(2));
    eng.cancel(h);
    expect(eng.peek()).toBe(2);
    expect(eng.step()).toBe(true);
    expect(log).toEqual([2]);
    expect(eng.now).toBe(2);
    expect(eng.step()).toBe(false);
    expect(eng.peek()).toBe(Number.POSITIVE_INFINITY);
  });

  it('a throwing callback propagates and leaves the engine usable', () => {
    const eng = new Engine();
    eng.at(1, () => {
      throw new Error('boom');
    });
    eng.at(2, () => {});
    expect(() => eng.run()).toThrow('boom');
    expect(eng.now).toBe(1);
    expect(eng.executed).toBe(1);
    eng.run();
    expect(eng.now).toBe(2);
    expect(eng.executed).toBe(2);
  });
});

describe('engine errors', () => {
  it('rejects past, fractional and unsafe times', () => {
    const eng = new Engine();
    eng.at(10, () => {});
    eng.run();
    expect(() => eng.at(9, () => {})).toThrow(InvariantError);
    expect(() => eng.at(10.5, () => {})).toThrow(InvariantError);
    expect(() => eng.at(Number.NaN, () => {})).toThrow(InvariantError);
    expect(() => eng.at(2 ** 53, () => {})).toThrow(InvariantError);
    expect(() => eng.after(-1, () => {})).toThrow(InvariantError);
    expect(() => eng.after(0.5, () => {})).toThrow(InvariantError);
    expect(() => eng.run(9)).toThrow(InvariantError);
    expect(() => eng.run(11.5)).toThrow(InvariantError);
    expect(eng.pending).toBe(0);
  });

  it('rejects bad priorities', () => {
    const eng = new Engine();
    expect(() => eng.at(1, () => {}, -1)).toThrow(InvariantError);
    expect(() => eng.at(1, () => {}, 1.5)).toThrow(InvariantError);
    expect(() => eng.at(1, () => {}, 256)).toThrow(InvariantError);
  });

  it('rejects re-entrant run() and step() from inside an event', () => {
    const eng = new Engine();
    const errors: unknown[] = [];
    eng.at(1, () => {
      try {
        eng.run();
      } catch (e) {
        errors.push(e);
      }
      try {
        eng.step();
      } catch (e) {
        errors.push(e);
      }
    });
    eng.run();
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e).toBeInstanceOf(InvariantError);
  });
});
