import { describe, expect, it } from 'vitest';
import type { FixedProfile, NullProfile } from '../../src/device/profile.js';
import { validateProfile } from '../../src/device/profile.js';
import { FLAG, OP } from '../../src/trace/event.js';
import { Bench } from './harness.js';

const base = { name: 't', description: 'test', source: { origin: 'assumed' as const }, rotational: false };
const nullProfile = (latencyNs: number, queueDepth = 4, nrHwQueues = 1): NullProfile => ({
  ...base,
  type: 'null',
  queueDepth,
  nrHwQueues,
  latencyNs,
});
const fixedProfile: FixedProfile = {
  ...base,
  type: 'fixed',
  queueDepth: 8,
  nrHwQueues: 1,
  readLatencyUs: 100,
  writeLatencyUs: 20,
  flushLatencyUs: 500,
  discardLatencyUs: 7,
  transferMBps: 1000,
  writeCache: 'volatile',
  fua: true,
};

describe('null device', () => {
  it('completes every request latencyNs after submit, in submit order, never inside submit', () => {
    expect(validateProfile(nullProfile(0))).toEqual([]);
    const b = new Bench(nullProfile(250));
    b.at(0, OP.READ, 0, 4096);
    b.at(0, OP.WRITE, 8, 4096);
    b.at(100, OP.FLUSH, -1, 0);
    b.run();
    expect(b.done.map((d) => [d.rq.id, d.doneNs])).toEqual([
      [0, 250],
      [1, 250],
      [2, 350],
    ]);
  });

  it('0 ns: completes at the same instant, from an engine event', () => {
    const b = new Bench(nullProfile(0));
    expect(b.submit(OP.READ, 0, 512)).toBe('queued');
    expect(b.done).toHaveLength(0);
    b.run();
    expect(b.done[0].doneNs).toBe(0);
  });

  it('is busy when every tag of every hardware queue is in use', () => {
    const b = new Bench(nullProfile(10, 2, 2));
    for (let i = 0; i < 4; i++) expect(b.submit(OP.READ, i, 512)).toBe('queued');
    expect(b.dev.inflight).toBe(4);
    expect(b.submit(OP.READ, 9, 512)).toBe('busy');
    b.run();
    expect(b.dev.inflight).toBe(0);
    expect(b.submit(OP.READ, 9, 512)).toBe('queued');
  });
});

describe('fixed device', () => {
  it('charges each op its constant plus bytes / rate, all in parallel', () => {
    const b = new Bench(fixedProfile);
    b.at(0, OP.READ, 0, 4096); // 100 us + 4096 B / 1000 MB/s = 104.096 us
    b.at(0, OP.WRITE, 0, 8192, FLAG.FUA); // 20 us + 8.192 us
    b.at(0, OP.FLUSH, -1, 0); // 500 us
    b.at(0, OP.DISCARD, 0, 1 << 20); // 7 us, no transfer
    b.run();
    const byId = new Map(b.done.map((d) => [d.rq.id, d.doneNs]));
    expect([byId.get(0), byId.get(1), byId.get(2), byId.get(3)]).toEqual([104_096, 28_192, 500_000, 7_000]);
    expect(b.dev.volatileWriteCache).toBe(true);
    expect(b.dev.fua).toBe(true);
  });

  it('is busy at queueDepth', () => {
    const b = new Bench(fixedProfile);
    for (let i = 0; i < 8; i++) expect(b.submit(OP.READ, i * 8, 4096)).toBe('queued');
    expect(b.submit(OP.READ, 0, 4096)).toBe('busy');
  });
});
