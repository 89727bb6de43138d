import { readFileSync } from 'node:fs';
import { CsvSplitter } from './src/trace/csv/splitter.ts';
const text = readFileSync('/tmp/arrowplay/p.msr.m.csv', 'utf8').slice(0, 1 << 20);
for (const [name, t] of [['flat', text], ['cons', 'abc,def' + text], ['flat-copy', Buffer.from(text).toString()]] as const) {
  let n = 0;
  const s = new CsvSplitter(() => { n++; });
  const t0 = performance.now();
  (s as any).run(t, true);
  console.log(name, n, (performance.now() - t0).toFixed(1));
}
