// Which kind of blktrace file one file is, from its head sample (trace-formats §7 item 1): a
// per-CPU relay file, a `blkparse -d` dump (all CPUs merged, relative event times, notes with
// absolute times), or an interleaved raw stream (`blktrace -o -`). Reads headers only.
import { TC, TC_SHIFT } from './action.js';
import { checkStart, isMagicAt, layoutOf } from './magic.js';

/** How a set of files is read. */
export type BlktraceLayout = 'per-cpu' | 'dump' | 'interleaved';

/** 2^32, to assemble u64 times from two u32 halves. */
const TWO_POW_32 = 4294967296;

/**
 * Decides from the records in `head` (a prefix of the decompressed file):
 * - events of several CPUs out of time order: an interleaved stream, to be sorted;
 * - a note later than an event after it (absolute note times among relative event times), or
 *   a first event at time 0 (genesis already subtracted): a dump;
 * - records of several CPUs otherwise (in time order): a merged stream, read as a dump;
 * - else one CPU's relay file.
 * A dump whose head holds one CPU only and no note is indistinguishable from a per-CPU file;
 * reading it as one gives the same events.
 */
export function classifyHead(head: Uint8Array): BlktraceLayout {
  const start = checkStart(head);
  if (start.kind !== 'ok') return 'per-cpu';
  const le = start.littleEndian;
  const L = layoutOf(start.version);
  if (!L) return 'per-cpu';
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const time = (o: number) =>
    v.getUint32(o + L.time + (le ? 4 : 0), le) * TWO_POW_32 + v.getUint32(o + L.time + (le ? 0 : 4), le);
  let firstCpu = -1;
  let mixedCpus = false;
  let mixedEventCpus = false;
  let firstEventCpu = -1;
  let backwards = false;
  let notesAhead = false;
  let firstEventTime = -1;
  let lastEvent = Number.NEGATIVE_INFINITY;
  let latestNote = Number.NEGATIVE_INFINITY;
  for (let o = 0; o + L.headerBytes <= head.length && isMagicAt(head, o, le, start.version); ) {
    const cpu = v.getUint32(o + L.cpu, le);
    if (firstCpu < 0) firstCpu = cpu;
    else if (cpu !== firstCpu) mixedCpus = true;
    // The action's low word holds the category bits and code in v7 and v8 alike.
    const action = v.getUint32(o + L.action + (L.actionBytes === 8 && !le ? 4 : 0), le);
    // A message too: in a blkparse 1.2.0 dump it keeps its absolute time, like a note.
    const note = ((action >>> TC_SHIFT) & TC.NOTIFY) !== 0;
    const t = time(o);
    if (note) latestNote = Math.max(latestNote, t);
    else {
      if (firstEventTime < 0) firstEventTime = t;
      if (firstEventCpu < 0) firstEventCpu = cpu;
      else if (cpu !== firstEventCpu) mixedEventCpus = true;
      if (t < lastEvent) backwards = true;
      if (t < latestNote) notesAhead = true;
      lastEvent = Math.max(lastEvent, t);
    }
    o += L.headerBytes + v.getUint16(o + L.pduLen, le);
  }
  if (mixedEventCpus && backwards) return 'interleaved';
  // No event in the head: notes and messages read ahead of a dump's first events (blkparse
  // 1.2.0 writes a bfq trace's first batch of messages before any event).
  if (notesAhead || firstEventTime === 0 || mixedCpus || (firstEventTime < 0 && firstCpu >= 0)) return 'dump';
  return 'per-cpu';
}
