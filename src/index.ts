// The scripting API: `import { ... } from 'ufq-replay'`.

export {
  type CalibrateOptions,
  type CalibrationReport,
  calibrate,
  type HoldOutFigures,
  type TraceRequests,
} from './device/calibrate/calibrate.js';
export type { CalibrationType } from './device/calibrate/device-type.js';
export { type FitHints, type FitResult, fitProfile } from './device/calibrate/fit.js';
export { readTraceRequests } from './device/calibrate/load.js';
export { hintsFromMeta } from './device/calibrate/meta-hints.js';
export {
  compareDistributions,
  type DeviceFitQuality,
  type DistributionFit,
  demeritFigure,
  ksStatistic,
  predictD2c,
} from './device/calibrate/quality.js';
export { type DeviceRequests, deviceRequests, splitByTime } from './device/calibrate/requests.js';
export { type SelfCalibration, selfCalibrate } from './device/calibrate/self.js';
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
export type { RunSeries, ThroughputTimeline } from './metrics/series.js';
export type { ProcessSlowdown, SlowdownFairness } from './metrics/slowdown.js';
export type { TraceStats } from './metrics/trace-stats.js';
export {
  type CompareOptions,
  type ComparePolicy,
  type CompareProgress,
  compare,
} from './replay/compare/compare.js';
export { simulateGuarded } from './replay/guarded.js';
export type { ReplayMode } from './replay/plan.js';
export { DEFAULT_HOOK_TIMEOUT_MS, DEFAULT_WATCHDOG_MS } from './replay/policy-limits.js';
export type { PolicyParams } from './replay/policy-params.js';
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
  RunFairness,
  RunMerges,
  RunResult,
} from './replay/result.js';
export {
  isPolicyFile,
  loadPolicyFile,
  POLICY_LIB_SPECIFIER,
  UFQ_HOOK_NAMES,
  validatePolicy,
} from './replay/user-policy.js';
export { buildReport, type ReportOptions } from './report/markdown.js';
export { mergeResults, readResultsFile } from './report/merge.js';
export type { ReportRun } from './report/run-view.js';
export { writeReport } from './report/write.js';
export { encodeDump, encodePerCpu } from './trace/blktrace/writer.js';
export * from './trace/btt.js';
export * from './trace/event.js';
export { FLUSH_WARNING } from './trace/flush-pairs.js';
export * from './trace/ioprio-rules.js';
export { PAIR_WARNING, Pairer, type PairOptions, type PairResult, pairEvents } from './trace/pair.js';
export { type ReadTraceOptions, readTrace } from './trace/read-trace.js';
