import { compare } from './dist/index.js';
const traces = ['seqwrite-plug.none', 'seq-vs-rand.none', 'rw-mix.kyber'].map((t) => `/tmp/scratch/tiled/${t}`);
for (const jobs of [1, 2]) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const runs = await compare({ traces, policies: ['none', 'mq-deadline'], devices: ['loop-virtio'], jobs });
  const cpu = process.cpuUsage(cpu0);
  console.log(jobs, Math.round(performance.now() - t0), 'ms; cpu', Math.round((cpu.user + cpu.system) / 1000), runs.map(r=>r.ios).join(','));
}
