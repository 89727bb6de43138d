import { openInput } from './src/trace/input.ts';
import { ReorderWindow } from './src/trace/csv/reorder.ts';
const orig = (ReorderWindow.prototype as any).take;
(ReorderWindow.prototype as any).take = function (final: boolean) {
  const sorted = this.sorted;
  const c0 = process.cpuUsage();
  const r = orig.call(this, final);
  const cu = process.cpuUsage(c0);
  console.log('take', final, sorted, r?.length, (cu.user / 1000).toFixed(0), 'ms');
  return r;
};
const { csvDialectFormats } = await import('./src/trace/csv/reader.ts');
const s = csvDialectFormats[0].open([await openInput(process.argv[2])], { batchRows: 65536 });
let n = 0;
for await (const b of s.batches()) n += b.length;
console.log(n);
