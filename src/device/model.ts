// The device interface the block layer dispatches to, and the factory that builds a model
// from a validated profile. A model takes requests at engine.now, schedules its own
// completion events and reports them through one callback (devices-metrics §2.1). It is not
// the block layer: tags, flush sequencing and requeues belong to src/block.
import type { Engine } from '../sim/engine.js';
import type { Rng } from '../sim/rng.js';
import { createFixedDevice } from './fixed.js';
import { createHddDevice } from './hdd.js';
import { createNullDevice } from './null.js';
import type { DeviceProfile } from './profile.js';
import { createSsdDevice } from './ssd.js';

/** One request as the device sees it (a dispatched blk-mq request). */
export interface DeviceRequest {
  readonly id: number;
  /** OP code from src/trace/event.ts (REQ_OP_* numbers). */
  readonly op: number;
  /** FLAG bits from src/trace/event.ts (FUA and PREFLUSH matter to the device). */
  readonly flags: number;
  /** Start sector, 512 B units. */
  readonly sector: number;
  readonly bytes: number;
}

/**
 * 'queued': the device took the request and will complete it through the callback (never
 * during submit). 'busy': it cannot take it now (all tags used, or a non-queued command such
 * as a SATA flush is active); blk-mq keeps it and retries after the next completion.
 */
export type SubmitResult = 'queued' | 'busy';

export interface DeviceModel {
  readonly profile: DeviceProfile;
  /** Device queue depth per hardware queue (driver tags), e.g. 32 for SATA NCQ. */
  readonly queueDepth: number;
  /** Number of hardware queues. */
  readonly nrHwQueues: number;
  /**
   * True when the device has a volatile write cache (sysfs queue/write_cache "write back"):
   * the block layer then sends flushes; otherwise it strips PREFLUSH/FUA (kernel-blk-mq §2.4).
   */
  readonly volatileWriteCache: boolean;
  /** True when the device honours FUA itself (sysfs queue/fua); else blk-flush adds a post-flush. */
  readonly fua: boolean;
  /** Hands a request to the device at engine.now. */
  submit(rq: DeviceRequest): SubmitResult;
  /** Number of requests inside the device (submitted, not yet completed). */
  readonly inflight: number;
}

/** Called once per request, from an engine event, with 0 or a negative errno. */
export type CompletionFn = (rq: DeviceRequest, error: number) => void;

/**
 * Builds the model a profile describes. The profile must already be valid (registry.ts
 * loads and validates); the model draws all randomness from `rng`, so a run is a pure
 * function of (profile, seed, request stream).
 */
export function createDevice(
  profile: DeviceProfile,
  engine: Engine,
  rng: Rng,
  onComplete: CompletionFn,
): DeviceModel {
  switch (profile.type) {
    case 'null':
      return createNullDevice(profile, engine, onComplete);
    case 'fixed':
      return createFixedDevice(profile, engine, onComplete);
    case 'hdd':
      return createHddDevice(profile, engine, rng, onComplete);
    case 'ssd':
    case 'nvme':
      return createSsdDevice(profile, engine, rng, onComplete);
  }
}
