// Runs the pure decoder over bytes in memory (optionally in small chunks) and returns every
// event as an object, with the shared side tables: the decoder as the unit under test.
import {
  BlktraceDecoder,
  type DecoderOptions,
  type DecoderShared,
  HEAD,
  NEED_DATA,
  newDecoderShared,
  resolveComms,
} from '../../../src/trace/blktrace/decoder.js';
import { eventAt, newBatch, type TraceEvent } from '../../../src/trace/event.js';

export function decodeBytes(
  bytes: Uint8Array,
  options: Partial<DecoderOptions> & { chunk?: number; genesisNs?: number } = {},
): { events: TraceEvent[]; shared: DecoderShared; decoder: BlktraceDecoder } {
  const shared = newDecoderShared();
  const d = new BlktraceDecoder(shared, {
    file: options.file ?? 'mem',
    src: options.src ?? 0,
    expectedCpu: options.expectedCpu ?? -1,
    noteTimesComparable: options.noteTimesComparable ?? true,
  });
  const chunk = options.chunk ?? bytes.length;
  let fed = 0;
  const b = newBatch(1024);
  const events: TraceEvent[] = [];
  const genesis = options.genesisNs ?? 0;
  for (;;) {
    const r = d.advance();
    if (r === HEAD) {
      d.emit(b, 0, genesis);
      b.length = 1;
      resolveComms(b, shared.names, genesis);
      events.push(eventAt(b, 0, shared.strings));
      b.msg.clear();
    } else if (r === NEED_DATA) {
      if (fed >= bytes.length) d.end();
      else {
        d.push(bytes.subarray(fed, Math.min(bytes.length, fed + Math.max(1, chunk))));
        fed += Math.max(1, chunk);
      }
    } else break;
  }
  return { events, shared, decoder: d };
}
