// Test helpers: a TraceSource over plain event objects, a collector that reads a source
// back into objects, and a fast-check arbitrary of events consistent with the EventBatch
// model (aux only where the action has one, msg only on messages).
import { fc } from '@fast-check/vitest';
import {
  ACT,
  ACTION_NAME,
  eventAt,
  NO_SECTOR,
  newBatch,
  OP_NAME,
  StringTable,
  type TraceEvent,
  type TraceInfo,
  type TraceSource,
} from '../../../src/trace/event.js';

const OP_CODE = new Map(Object.entries(OP_NAME).map(([k, v]) => [v, Number(k)]));

/** A source yielding `events` in batches of `batchRows` rows. */
export function memorySource(
  events: TraceEvent[],
  info: Partial<TraceInfo> = {},
  batchRows = 7,
): TraceSource {
  const strings = new StringTable();
  const fullInfo: TraceInfo = {
    format: 'memory',
    files: ['memory'],
    bytes: 0,
    records: events.length,
    lines: 0,
    warnings: {},
    hasStages: true,
    ...info,
  };
  return {
    info: fullInfo,
    strings,
    async *batches() {
      for (let from = 0; from < events.length; from += batchRows) {
        const part = events.slice(from, from + batchRows);
        const b = newBatch(batchRows);
        part.forEach((e, i) => {
          b.timeNs[i] = e.timeNs;
          b.src[i] = e.src;
          b.rec[i] = e.rec;
          b.dev[i] = e.dev;
          b.volume[i] = strings.intern(e.volume);
          b.cpu[i] = e.cpu;
          b.seq[i] = e.seq;
          b.pid[i] = e.pid;
          b.comm[i] = strings.intern(e.comm);
          b.action[i] = ACT[e.action as keyof typeof ACT];
          b.op[i] = OP_CODE.get(e.op)!;
          b.flags[i] = e.flags;
          b.sector[i] = e.sector ?? NO_SECTOR;
          b.bytes[i] = e.bytes;
          b.error[i] = e.error;
          b.ioprio[i] = e.ioprio;
          b.aux[i] = e.aux;
          b.auxDev[i] = e.auxDev;
          if (e.msg !== undefined) b.msg.set(i, e.msg);
        });
        b.length = part.length;
        yield b;
      }
    },
  };
}

/** Every event of a source, as objects. */
export async function collect(source: TraceSource): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  for await (const b of source.batches())
    for (let i = 0; i < b.length; i++) out.push(eventAt(b, i, source.strings));
  return out;
}

/** Strings with the characters that break naive CSV and Arrow code. */
export const trickyString = fc.string({
  unit: fc.oneof(
    fc.constantFrom(',', '"', '\n', '\r', ' ', '\t', '#', 'é', '漢', '🙂', '\0'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

const AUX_ACTIONS = new Set(['IO', 'X', 'A', 'U', 'UT']);
const uint32 = fc.integer({ min: 0, max: 0xffffffff });

/** One event consistent with the EventBatch model. */
export const eventArb: fc.Arbitrary<TraceEvent> = fc
  .record({
    timeNs: fc.maxSafeNat(),
    src: fc.integer({ min: 0, max: 0xffff }),
    rec: fc.maxSafeNat(),
    dev: uint32,
    volume: trickyString,
    cpu: fc.integer({ min: 0, max: 0xffff }),
    seq: uint32,
    pid: uint32,
    comm: trickyString,
    action: fc.constantFrom(...Object.values(ACTION_NAME)),
    op: fc.constantFrom(...Object.values(OP_NAME)),
    flags: fc.integer({ min: 0, max: 0xffff }),
    sector: fc.option(fc.maxSafeNat(), { nil: null }),
    bytes: uint32,
    error: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    ioprio: fc.integer({ min: 0, max: 0xffff }),
    auxValue: fc.option(fc.maxSafeNat(), { nil: -1 }),
    depth: fc.option(uint32, { nil: -1 }),
    auxDev: uint32,
    msg: trickyString,
  })
  .map(({ auxValue, depth, msg, ...e }) => {
    const ev: TraceEvent = {
      ...e,
      aux: !AUX_ACTIONS.has(e.action) ? 0 : e.action === 'U' || e.action === 'UT' ? depth : auxValue,
      auxDev: e.action === 'A' ? e.auxDev : 0,
    };
    if (e.action === 'm') ev.msg = msg;
    return ev;
  });

/** A time-ordered list of events (stable on ties, as every reader emits them). */
export const eventsArb = fc.array(eventArb, { maxLength: 40 }).map((es) =>
  es
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.timeNs - b.e.timeNs || a.i - b.i)
    .map((x) => x.e),
);
