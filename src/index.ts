// The scripting API: `import { ... } from 'ufq-replay'`.
export * from './errors.js';
export * from './trace/event.js';
