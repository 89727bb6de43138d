// Replays recorded dispatches through a device model: each request is handed to the model at
// its recorded D time (device and engine only: no block layer, no scheduler), and its
// simulated D→C time is recorded. This is how a fitted profile is tested against requests it
// was not fitted to, and how a profile predicts another trace's D2C (devices-metrics §2.6).
// A request the model refuses ('busy': every tag in use) waits in FIFO order and is handed
// over at the next completion, as blk-mq would retry it; its D2C counts from that hand-over.
import { Engine } from '../../sim/engine.js';
import { Rng } from '../../sim/rng.js';
import { createDevice, type DeviceRequest } from '../model.js';
import type { DeviceProfile } from '../profile.js';
import type { DeviceRequests } from './requests.js';

/** Seed of the device's random draws (cache hits) in calibration replays. */
export const CALIBRATION_SEED = 1;

export interface DispatchReplay {
  /** Simulated D→C per request (ns), in the order of the input. */
  d2cNs: Float64Array;
  /** Requests the model refused at their recorded D and that waited for a tag. */
  waited: number;
}

interface Slot extends DeviceRequest {
  id: number;
  op: number;
  flags: number;
  sector: number;
  bytes: number;
}

/**
 * Hands every request of `reqs` (in D order) to a fresh model of `profile` at its recorded D
 * time and returns the simulated D→C times. Deterministic for a given seed.
 */
export function replayDispatches(
  profile: DeviceProfile,
  reqs: DeviceRequests,
  seed = CALIBRATION_SEED,
): DispatchReplay {
  const n = reqs.length;
  const d2c = new Float64Array(n);
  const submitNs = new Float64Array(n);
  if (n === 0) return { d2cNs: d2c, waited: 0 };
  const engine = new Engine();
  // Request objects are pooled: at most the device's tags are in flight at once.
  const free: Slot[] = [];
  const waiting = new Int32Array(n);
  let waitHead = 0;
  let waitTail = 0;
  let waited = 0;
  const device = createDevice(profile, engine, new Rng(seed).fork('device'), (rq) => {
    d2c[rq.id] = engine.now - submitNs[rq.id];
    free.push(rq as Slot);
    // A freed tag: hand over the requests that were refused, oldest first.
    while (waitHead < waitTail && offer(waiting[waitHead])) waitHead++;
  });
  const offer = (k: number): boolean => {
    const rq = free.pop() ?? ({ id: 0, op: 0, flags: 0, sector: 0, bytes: 0 } as Slot);
    rq.id = k;
    rq.op = reqs.op[k];
    rq.flags = reqs.flags[k];
    rq.sector = reqs.sector[k] < 0 ? 0 : reqs.sector[k];
    rq.bytes = reqs.bytes[k];
    submitNs[k] = engine.now;
    if (device.submit(rq) === 'queued') return true;
    free.push(rq);
    return false;
  };
  let next = 0;
  const arrive = (): void => {
    const now = engine.now;
    while (next < n && reqs.tD[next] <= now) {
      if (waitHead < waitTail || !offer(next)) {
        waiting[waitTail++] = next;
        waited++;
      }
      next++;
    }
    if (next < n) engine.at(Math.round(reqs.tD[next]), arrive);
  };
  engine.at(Math.max(0, Math.round(reqs.tD[0])), arrive);
  engine.run();
  return { d2cNs: d2c, waited };
}

/** Simulated D→C of several request tables (one trace each, each replayed on a fresh model), concatenated. */
export function replayParts(
  profile: DeviceProfile,
  parts: readonly DeviceRequests[],
  seed = CALIBRATION_SEED,
): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(replayDispatches(profile, p, seed).d2cNs, at);
    at += p.length;
  }
  return out;
}

/** Recorded D→C of several request tables, concatenated in the same order as replayParts. */
export function recordedD2c(parts: readonly DeviceRequests[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) for (let k = 0; k < p.length; k++) out[at++] = p.tC[k] - p.tD[k];
  return out;
}
