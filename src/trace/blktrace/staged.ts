// An interleaved raw stream (`blktrace -o -`, network mode) held in memory and split by CPU,
// so that it can be merged exactly like per-CPU files (trace-formats §1.10 item 7). This is a
// full sort of the stream in blkparse's file-mode order; it costs memory for the whole trace,
// which such streams (piped captures) usually afford.
import { copyRow, type EventBatch, newBatch } from '../event.js';
import { type AdvanceResult, type BlktraceDecoder, DONE, HEAD, NEED_DATA } from './decoder.js';

/** Staging rows per batch: a power of two so a global row splits with a shift and a mask. */
const STAGE_SHIFT = 16;
const STAGE_ROWS = 1 << STAGE_SHIFT;
const STAGE_MASK = STAGE_ROWS - 1;

/** One CPU's events, in stream order, with raw (absolute) times. */
export class StagedStream {
  private i = 0;
  headTime = 0;

  constructor(
    private readonly stage: EventBatch[],
    private readonly rows: number[],
  ) {
    if (rows.length > 0) this.headTime = this.timeAt(0);
  }

  private timeAt(k: number): number {
    const g = this.rows[k];
    return this.stage[g >>> STAGE_SHIFT].timeNs[g & STAGE_MASK];
  }

  emit(b: EventBatch, row: number, genesisNs: number): void {
    const g = this.rows[this.i++];
    copyRow(this.stage[g >>> STAGE_SHIFT], g & STAGE_MASK, b, row);
    b.timeNs[row] -= genesisNs;
  }

  result: AdvanceResult = HEAD;

  /** As BlktraceDecoder.run. */
  run(b: EventBatch, row: number, cap: number, limitNs: number, genesisNs: number): number {
    let r: AdvanceResult;
    do {
      this.emit(b, row++, genesisNs);
      r = this.advance();
    } while (r === HEAD && row < cap && this.headTime <= limitNs);
    this.result = r;
    return row;
  }

  advance(): AdvanceResult {
    if (this.i >= this.rows.length) return DONE;
    this.headTime = this.timeAt(this.i);
    return HEAD;
  }
}

/**
 * Decodes the whole stream (pulling bytes with `fill`) and returns one StagedStream per CPU,
 * in CPU order, plus how many events arrived earlier in time than one already read.
 */
export async function stageByCpu(
  decoder: BlktraceDecoder,
  fill: () => Promise<AdvanceResult>,
): Promise<{ streams: StagedStream[]; outOfOrder: number }> {
  const stage: EventBatch[] = [];
  const byCpu = new Map<number, number[]>();
  let n = 0;
  let outOfOrder = 0;
  let maxTime = Number.NEGATIVE_INFINITY;
  for (;;) {
    let r = decoder.advance();
    if (r === NEED_DATA) r = await fill();
    if (r === DONE) break;
    const row = n & STAGE_MASK;
    if (row === 0) stage.push(newBatch(STAGE_ROWS));
    const cpu = decoder.headCpu;
    if (decoder.headTime < maxTime) outOfOrder++;
    else maxTime = decoder.headTime;
    decoder.emit(stage[stage.length - 1], row, 0);
    let list = byCpu.get(cpu);
    if (list === undefined) {
      list = [];
      byCpu.set(cpu, list);
    }
    list.push(n++);
  }
  const streams = [...byCpu.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, rows]) => new StagedStream(stage, rows));
  return { streams, outOfOrder };
}
