// The metrics API: the summaries `inspect` and `run` share (import from 'ufq-replay').
export * from './fairness.js';
export * from './flushes.js';
export * from './groups.js';
export * from './latency-summary.js';
export * from './percentiles.js';
export * from './processes.js';
export * from './sort.js';
export * from './summary.js';
export * from './throughput.js';
