// Telling a per-CPU file, a blkparse -d dump and an interleaved stream apart from a head
// sample (trace-formats §7 item 1, §2.6, §1.1).
import { describe, expect, it } from 'vitest';
import { classifyHead } from '../../../src/trace/blktrace/layout.js';
import { cat, v7Record } from './helpers.js';

const Q = 0x00110001;
const PROCESS = 0x04000000;
const name = new Array(16).fill(0x61);

describe('classifyHead', () => {
  it('one CPU, absolute times, notes in time order: a per-CPU file', () => {
    const head = cat(
      v7Record({ action: PROCESS, cpu: 3, time: 5e11, pdu: name }),
      v7Record({ action: Q, cpu: 3, time: 5e11 }),
      v7Record({ action: Q, cpu: 3, time: 5e11 + 10 }),
    );
    expect(classifyHead(head)).toBe('per-cpu');
  });

  it('several CPUs in time order: a merged stream, read as a dump', () => {
    const head = cat(v7Record({ action: Q, cpu: 0, time: 5 }), v7Record({ action: Q, cpu: 1, time: 9 }));
    expect(classifyHead(head)).toBe('dump');
  });

  it('one CPU, but an absolute-time note ahead of relative events: a dump', () => {
    const head = cat(
      v7Record({ action: PROCESS, cpu: 1, time: 5e11, pdu: name }),
      v7Record({ action: Q, cpu: 1, time: 100 }),
    );
    expect(classifyHead(head)).toBe('dump');
  });

  it('a first event at time 0 (genesis subtracted): a dump', () => {
    expect(classifyHead(cat(v7Record({ action: Q, time: 0 }), v7Record({ action: Q, time: 7 })))).toBe(
      'dump',
    );
  });

  it('several CPUs out of time order: an interleaved stream', () => {
    const head = cat(
      v7Record({ action: Q, cpu: 0, time: 50 }),
      v7Record({ action: Q, cpu: 0, time: 60 }),
      v7Record({ action: Q, cpu: 1, time: 40 }),
    );
    expect(classifyHead(head)).toBe('interleaved');
  });

  it('decides the same in big-endian', () => {
    const head = cat(
      v7Record({ action: Q, cpu: 0, time: 50 }, false),
      v7Record({ action: Q, cpu: 1, time: 40 }, false),
    );
    expect(classifyHead(head)).toBe('interleaved');
  });
});
