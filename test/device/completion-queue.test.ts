import { describe, expect, it } from 'vitest';
import { CompletionQueue } from '../../src/device/completion-queue.js';
import type { DeviceRequest } from '../../src/device/model.js';
import { Engine } from '../../src/sim/engine.js';

const rq = (id: number): DeviceRequest => ({ id, op: 0, flags: 0, sector: 0, bytes: 0 });

describe('completion queue', () => {
  it('delivers in time order, then booking order, each at its time', () => {
    const engine = new Engine();
    const got: [number, number][] = [];
    const cq = new CompletionQueue(engine, (r) => got.push([r.id, engine.now]));
    cq.push(50, rq(1));
    cq.push(10, rq(2));
    cq.push(50, rq(3));
    cq.push(30, rq(4));
    cq.push(10, rq(5));
    engine.run();
    expect(got).toEqual([
      [2, 10],
      [5, 10],
      [4, 30],
      [1, 50],
      [3, 50],
    ]);
    expect(cq.length).toBe(0);
  });

  it('takes bookings made during a delivery, including ones due at once', () => {
    const engine = new Engine();
    const got: [number, number][] = [];
    let next = 10;
    const cq = new CompletionQueue(engine, (r) => {
      got.push([r.id, engine.now]);
      if (r.id === 1) {
        cq.push(engine.now, rq(next++)); // due now: same delivery loop
        cq.push(engine.now + 5, rq(next++));
      }
    });
    cq.push(100, rq(1));
    cq.push(100, rq(2));
    engine.run();
    expect(got).toEqual([
      [1, 100],
      [2, 100],
      [10, 100],
      [11, 105],
    ]);
  });

  it('keeps one engine event armed, moved earlier when needed', () => {
    const engine = new Engine();
    const cq = new CompletionQueue(engine, () => {});
    for (let i = 0; i < 100; i++) cq.push(1000 - i, rq(i));
    expect(engine.pending).toBe(1);
    engine.run();
    expect(engine.now).toBe(1000);
  });
});
