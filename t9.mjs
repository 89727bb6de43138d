const c0 = process.cpuUsage(); const t0 = performance.now();
await import('./dist/replay-worker.js');
const c1 = process.cpuUsage(c0);
console.log('load', Math.round(performance.now()-t0), 'ms cpu', Math.round((c1.user+c1.system)/1000));
const { compare } = await import('./dist/index.js');
for (let i = 0; i < 3; i++) {
const c2 = process.cpuUsage(); const t2 = performance.now();
await compare({ traces: ['/tmp/scratch/tiled/rw-mix.kyber'], policies: ['none'], devices: ['loop-virtio'], jobs: 1 });
const c3 = process.cpuUsage(c2);
console.log('run', i, Math.round(performance.now()-t2), 'ms cpu', Math.round((c3.user+c3.system)/1000));
}
