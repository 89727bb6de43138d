// Decoding rate of the blktrace reader on a tiled trace (target: >= 5 million records/s).
// Four figures: the pure decoder over bytes in memory (no merge, no I/O), the full reader
// (decode + blkparse-order merge + name resolution) over bytes in memory, the full reader
// from uncompressed files on disk, and that reader with btt-style pairing (trace/pair.ts), as
// `inspect` and `run` read a trace. Tiles traces/seqwrite-plug.none first when no trace is named.
//
//   npx tsx bench/read-blktrace.ts [TRACE-NAME | DUMP-FILE]
import { readFileSync, statSync } from 'node:fs';
import { BlktraceDecoder, clearForRefill, HEAD, newDecoderShared } from '../src/trace/blktrace/decoder.js';
import { BlktraceSource, cpuOfFileName } from '../src/trace/blktrace/reader.js';
import { BATCH_ROWS, newBatch, type TraceSource } from '../src/trace/event.js';
import { type InputFile, openInput } from '../src/trace/input.js';
import { pairEvents } from '../src/trace/pair.js';
import { blktraceFiles, tileTrace } from './tile-trace.js';

/** Repetitions per figure; the best is reported (the machine is shared). */
const RUNS = 5;

function memoryFile(path: string, bytes: Uint8Array): InputFile {
  return {
    path,
    gzip: false,
    size: bytes.length,
    head: bytes.subarray(0, 64 * 1024),
    async *chunks() {
      // 1 MiB chunks, as the file reader delivers them.
      for (let o = 0; o < bytes.length; o += 1 << 20) yield bytes.subarray(o, o + (1 << 20));
    },
  };
}

/** Decodes every file with a bare decoder into one reused batch, as the reader does (run); returns records framed. */
function decodeOnly(files: Array<{ path: string; bytes: Uint8Array }>): number {
  const shared = newDecoderShared();
  const b = newBatch(BATCH_ROWS);
  let records = 0;
  files.forEach((f, src) => {
    const d = new BlktraceDecoder(shared, { file: f.path, src, expectedCpu: -1, noteTimesComparable: true });
    d.push(f.bytes);
    d.end();
    let r = d.advance();
    while (r === HEAD) {
      clearForRefill(b, BATCH_ROWS);
      b.msg.clear();
      d.run(b, 0, BATCH_ROWS, Number.POSITIVE_INFINITY, 0);
      r = d.result;
    }
    records += d.records;
  });
  return records;
}

async function drainCount(src: TraceSource): Promise<number> {
  let events = 0;
  for await (const b of src.batches()) events += b.length;
  return events;
}

/**
 * Best of RUNS, by wall-clock time and by this process's CPU time (user + system): on a shared
 * machine the CPU-time rate is the steadier figure, the wall-clock one what a user sees.
 */
async function best(what: string, run: () => Promise<number> | number): Promise<void> {
  let bestWall = 0;
  let bestCpu = 0;
  let records = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    records = await run();
    const c = process.cpuUsage(c0);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuS = (c.user + c.system) / 1e6;
    bestWall = Math.max(bestWall, records / wallS);
    bestCpu = Math.max(bestCpu, records / cpuS);
  }
  const m = (r: number) => (r / 1e6).toFixed(2).padStart(6);
  console.log(
    `${what.padEnd(32)} ${m(bestWall)} M records/s wall, ${m(bestCpu)} M/s of CPU time  (${records} records)`,
  );
}

async function main(): Promise<void> {
  let name = process.argv[2];
  if (!name) {
    const r = await tileTrace({ input: 'traces/seqwrite-plug.none', out: 'bench/out/seqwrite-plug.tiled' });
    name = 'bench/out/seqwrite-plug.tiled';
    console.log(`tiled traces/seqwrite-plug.none: ${r.tiles} tiles, ${r.records} records`);
  }
  const paths = blktraceFiles(name);
  const files = paths.map((path) => ({ path, bytes: new Uint8Array(readFileSync(path)) }));
  const mb = files.reduce((s, f) => s + f.bytes.length, 0) / 1e6;
  console.log(
    `${name}: ${paths.length} file(s), ${mb.toFixed(1)} MB, ${statSync(paths[0]).size} bytes in the first`,
  );

  await best('decoder only (memory)', () => decodeOnly(files));
  await best('reader, merged (memory)', async () => {
    const src = new BlktraceSource(
      files.map((f) => memoryFile(f.path, f.bytes)),
      { batchRows: BATCH_ROWS },
    );
    await drainCount(src);
    return src.info.records;
  });
  await best('reader, merged (files on disk)', async () => {
    const src = new BlktraceSource(await Promise.all(paths.map(openInput)), { batchRows: BATCH_ROWS });
    await drainCount(src);
    return src.info.records;
  });
  await best('reader + pairing (files on disk)', async () => {
    const src = new BlktraceSource(await Promise.all(paths.map(openInput)), { batchRows: BATCH_ROWS });
    await pairEvents(src);
    return src.info.records;
  });
  if (paths.length > 1) console.log(`per-CPU files: ${paths.map((p) => cpuOfFileName(p)).join(', ')}`);
}

await main();
