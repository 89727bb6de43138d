// Text trace reading speed, in lines per second: blkparse default text, block tracepoint text
// and the ftrace blk tracer format, each decoded from memory (no disk, no gunzip in the timed
// part). The sample traces in traces/ are tiled in memory up to TARGET_LINES lines. Both wall
// time and this process's CPU time are shown: on a shared machine the CPU figure is the stable one.
// Run: npx tsx bench/read-text.ts [millions of lines, default 2]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { blkparseFormat } from '../src/trace/blkparse/reader.js';
import { BATCH_ROWS } from '../src/trace/event.js';
import type { TraceFormat } from '../src/trace/format.js';
import { ftraceBlkFormat, tracepointFormat } from '../src/trace/ftrace/reader.js';
import type { InputFile } from '../src/trace/input.js';

const TRACES = 'traces';
const TARGET_LINES = Math.round(Number(process.argv[2] ?? 2) * 1e6);
/** Chunk size handed to the line splitter, bytes (what input.ts streams with). */
const CHUNK_BYTES = 1 << 20;
/** Timed repetitions per format; the best one is reported (the machine is shared). */
const RUNS = 3;

/** Event lines of every sample file matching `suffix` (a blkparse summary block is dropped). */
function eventLines(suffix: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(TRACES).sort()) {
    if (!f.endsWith(suffix)) continue;
    const text = gunzipSync(readFileSync(join(TRACES, f))).toString('utf8');
    for (const l of text.split('\n')) if (/^\s*\d+,\d+\s/.test(l) || /\[\d+\]/.test(l)) out.push(l);
  }
  return out;
}

/** The ftrace blk tracer's rendering of blkparse lines: context + `maj,min act rwbs tail`. */
function asBlkTracer(blkparse: string[]): string[] {
  return blkparse.map((l) => {
    const t = l.trim().split(/\s+/);
    const [dev, cpu, , time, pid] = t;
    const rest = t.slice(5).join(' ');
    const us = time.slice(0, time.length - 3);
    return `           fio-${pid.padEnd(7)} [${cpu.padStart(3, '0')}] ..... ${us.padStart(12)}: ${dev} ${rest}`;
  });
}

/** `lines` repeated up to `target` lines, as one UTF-8 buffer. */
function tile(lines: string[], target: number): { bytes: Uint8Array; lines: number } {
  const block = `${lines.join('\n')}\n`;
  const reps = Math.max(1, Math.ceil(target / lines.length));
  return { bytes: Buffer.from(block.repeat(reps), 'utf8'), lines: reps * lines.length };
}

function memoryFile(bytes: Uint8Array): InputFile {
  return {
    path: '(memory)',
    gzip: false,
    size: bytes.length,
    head: bytes.subarray(0, 65536),
    async *chunks() {
      for (let o = 0; o < bytes.length; o += CHUNK_BYTES) yield bytes.subarray(o, o + CHUNK_BYTES);
    },
  };
}

async function measure(format: TraceFormat, data: { bytes: Uint8Array; lines: number }): Promise<void> {
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let events = 0;
  for (let run = 0; run < RUNS; run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const src = format.open([memoryFile(data.bytes)], { batchRows: BATCH_ROWS });
    events = 0;
    for await (const b of src.batches()) events += b.length;
    bestWall = Math.min(bestWall, performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
    const warned = Object.values(src.info.warnings).reduce((a, n) => a + n, 0);
    if (warned > 0) console.log(`  ${format.id}: ${warned} warnings`, src.info.warnings);
  }
  const rate = (ms: number) => `${(data.lines / (ms / 1000) / 1e6).toFixed(2)} M lines/s`;
  console.log(
    `${format.id.padEnd(11)} ${(data.lines / 1e6).toFixed(2)} M lines, ${(data.bytes.length / 2 ** 20).toFixed(0)} MiB, ` +
      `${events} events; best of ${RUNS}: wall ${bestWall.toFixed(0)} ms = ${rate(bestWall)}, ` +
      `CPU ${bestCpu.toFixed(0)} ms = ${rate(bestCpu)}`,
  );
}

const blkparse = eventLines('.blkparse.txt.gz');
const tracepoint = eventLines('.tp.txt.gz');
await measure(blkparseFormat, tile(blkparse, TARGET_LINES));
await measure(tracepointFormat, tile(tracepoint, TARGET_LINES));
await measure(ftraceBlkFormat, tile(asBlkTracer(blkparse), TARGET_LINES));
