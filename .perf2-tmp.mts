import { openInput } from './src/trace/input.ts';
import { csvDialectFormats } from './src/trace/csv/reader.ts';
const t0 = performance.now(); const c0 = process.cpuUsage();
const s = csvDialectFormats[0].open([await openInput(process.argv[2])], { batchRows: 65536 });
let n = 0;
for await (const b of s.batches()) n += b.length;
const cu = process.cpuUsage(c0); console.log(n, (performance.now() - t0).toFixed(0), "ms wall", ((cu.user+cu.system)/1000).toFixed(0), "ms cpu");
