import { readFileSync } from 'node:fs';
import { CsvSplitter } from './src/trace/csv/splitter.ts';
const buf = readFileSync(process.argv[2]);
const chunk = 1 << 20;
let n = 0;
const s = new CsvSplitter(() => { n++; });
const times: string[] = [];
const dec = new TextDecoder('utf-8', { fatal: false });
for (let p = 0; p < buf.length; p += chunk) { const t0 = performance.now(); s.push(dec.decode(buf.subarray(p, p + chunk), { stream: true })); times.push((performance.now() - t0).toFixed(0)); }
s.end();
console.log(n, times.join(' '));
