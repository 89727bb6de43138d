// The scripting API: `import { ... } from 'ufq-replay'`.

export {
  type CompletionFn,
  createDevice,
  type DeviceModel,
  type DeviceRequest,
  type SubmitResult,
} from './device/model.js';
export {
  type DeviceProfile,
  type DeviceType,
  type ProfileProblem,
  validateProfile,
} from './device/profile.js';
export { builtinProfiles, loadProfile, ProfileInvalidError, parseProfile } from './device/registry.js';
export * from './errors.js';
export * from './metrics/index.js';
export type { ReplayMode } from './replay/plan.js';
export {
  DEFAULT_DEVICE,
  type ReplayInput,
  type ReplayOptions,
  type ReplayOutput,
  replay,
  simulate,
  simulateTable,
} from './replay/replay.js';
export type {
  Conservation as RunConservation,
  Ejection as RunEjection,
  RunMerges,
  RunResult,
} from './replay/result.js';
export { encodeDump, encodePerCpu } from './trace/blktrace/writer.js';
export * from './trace/btt.js';
export * from './trace/event.js';
export * from './trace/ioprio-rules.js';
export { PAIR_WARNING, Pairer, type PairOptions, type PairResult, pairEvents } from './trace/pair.js';
