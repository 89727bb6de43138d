// Which model a trace's device is, decided from its D→C times rather than from what sysfs
// said. A rotating disk cannot serve a random request quickly (even a 15k rpm drive waits
// 2 ms of rotation on average, devices-metrics §2.2) and its service grows with seek
// distance; flash serves random reads in about 0.1 ms at any distance. queue/rotational is
// not trusted: virtio disks and loop devices report 1 by default (the sample traces in
// traces/ do, on a device that serves random 4 KiB reads in ~0.12 ms), so it never decides.
// With too few idle random requests to tell (a sequential-only trace), the flash model is
// taken: without positioning costs it is the plain empirical fit of the service times seen.
import type { DeviceRequests } from './requests.js';
import { quantile } from './stats.js';

export type CalibrationType = 'auto' | 'hdd' | 'ssd' | 'nvme';
export type FittedType = 'hdd' | 'ssd' | 'nvme';

/** Seek distance beyond which a request counts as random: 2048 sectors (1 MiB), past any track. */
export const RANDOM_SEEK_SECTORS = 2048;
/** Random requests larger than this are left out (their transfer would dominate): 64 KiB. */
const SMALL_BYTES = 64 * 1024;
/** Median idle random service at or above which the device may be rotating: 2 ms (15k rpm's mean rotational wait). */
const ROTATING_MEDIAN_NS = 2_000_000;
/** Far seeks must cost this much more than near ones (median) for seeks to dominate. */
const SEEK_GROWTH = 1.25;
/** Idle random requests needed to decide from the data. */
const MIN_SAMPLES = 20;

export interface TypeDecision {
  type: FittedType;
  /** One line: why, with the figures. */
  reason: string;
  /** Idle random small requests examined, their median service, and far/near median ratio. */
  samples: number;
  medianNs: number;
  seekGrowth: number;
}

/**
 * The model type for `requested` ('auto' decides from the data: hdd when idle random
 * requests take at least 2 ms at the median and the farthest third of seeks cost at least
 * 1.25× the nearest third; ssd otherwise). `rotational` (sysfs) is only quoted in the reason.
 */
export function decideType(
  reqs: DeviceRequests,
  requested: CalibrationType,
  rotational?: boolean,
): TypeDecision {
  const service: number[] = [];
  const seek: number[] = [];
  for (let k = 0; k < reqs.length; k++)
    if (reqs.inflight[k] === 0 && reqs.seekSectors[k] > RANDOM_SEEK_SECTORS && reqs.bytes[k] <= SMALL_BYTES) {
      service.push(reqs.tC[k] - reqs.tD[k]);
      seek.push(reqs.seekSectors[k]);
    }
  const medianNs = service.length > 0 ? quantile(service, 0.5) : 0;
  const order = seek.map((_, i) => i).sort((a, b) => seek[a] - seek[b]);
  const third = Math.floor(order.length / 3);
  const near = order.slice(0, third).map((i) => service[i]);
  const far = order.slice(order.length - third).map((i) => service[i]);
  const seekGrowth = third > 0 && quantile(near, 0.5) > 0 ? quantile(far, 0.5) / quantile(near, 0.5) : 1;
  const figures = { samples: service.length, medianNs, seekGrowth };
  const ms = (medianNs / 1e6).toFixed(3);
  if (requested !== 'auto') return { type: requested, reason: `--type ${requested}`, ...figures };
  const sysfs = rotational ? ' (queue/rotational said 1; not trusted)' : '';
  if (service.length < MIN_SAMPLES)
    return {
      type: 'ssd',
      reason: `only ${service.length} idle random requests (need ${MIN_SAMPLES}) to look for seeks: flash model, fitted to the service times seen${sysfs}`,
      ...figures,
    };
  if (medianNs >= ROTATING_MEDIAN_NS && seekGrowth >= SEEK_GROWTH)
    return {
      type: 'hdd',
      reason: `idle random requests take ${ms} ms (median) and far seeks ${seekGrowth.toFixed(2)}× near ones: seeks dominate`,
      ...figures,
    };
  return {
    type: 'ssd',
    reason: `idle random requests take ${ms} ms (median), far seeks ${seekGrowth.toFixed(2)}× near ones: no mechanical positioning${sysfs}`,
    ...figures,
  };
}
