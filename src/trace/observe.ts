// A trace source that shows every batch to an observer on its way to the consumer (the plug
// window and flush scanners watch the stream pairing reads, so a trace is read once). Size
// hint and batch recycling pass through: an observer must keep no reference to a batch.
import type { EventBatch, TraceSource } from './event.js';

export function observeBatches(source: TraceSource, observe: (b: EventBatch) => void): TraceSource {
  return {
    get info() {
      return source.info;
    },
    get strings() {
      return source.strings;
    },
    get eventsHint() {
      return source.eventsHint;
    },
    recycle: source.recycle === undefined ? undefined : (b: EventBatch) => source.recycle?.(b),
    async *batches() {
      for await (const b of source.batches()) {
        observe(b);
        yield b;
      }
    },
  };
}
