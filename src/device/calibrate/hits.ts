// Cache-hit cluster detection (devices-metrics §2.5 step 4): reads served from a cache in
// front of the medium (a drive's read-ahead segment, the host page cache under a virtual
// disk) form a fast mode well apart from the rest. The idle-device read times of the most
// common read size are histogrammed on a log scale; a hit cluster is a mode below the main
// one with a deep valley between them. Not a mixture fit: the slow side of the loop device's
// reads (a main mode plus a long tail) is not two normal components, and EM then splits
// the wrong way.

/** Histogram bins per octave of service time (quarter octaves: 19% wide). */
const BINS_PER_OCTAVE = 4;
/** The valley must fall below this fraction of the fast mode's (smoothed) height. */
const VALLEY_DEPTH = 0.5;
/** The fast mode's centre must be below this fraction of the main mode's. */
const MODE_RATIO = 0.5;
/** Share of the samples a hit cluster may have: a smaller one is noise, a larger one is the norm. */
const MIN_SHARE = 0.005;
const MAX_SHARE = 0.6;
/** Samples needed before a cluster is looked for. */
const MIN_SAMPLES = 50;

export interface HitCluster {
  /** Reads faster than this (ns) are counted as hits. */
  thresholdNs: number;
  /** Share of the examined samples below the threshold. */
  share: number;
  /** Centre of the fast mode and of the main mode (ns). */
  fastModeNs: number;
  mainModeNs: number;
  /** Smoothed histogram height at the valley over the fast mode's height. */
  valleyRatio: number;
}

/**
 * Looks for a fast cluster among service times `ns` (one request size, idle device).
 * Returns undefined when there is none (or too few samples to tell).
 */
export function detectHitCluster(ns: ArrayLike<number>): HitCluster | undefined {
  const n = ns.length;
  if (n < MIN_SAMPLES) return undefined;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.max(1, ns[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const base = Math.floor(Math.log2(lo) * BINS_PER_OCTAVE);
  const nb = Math.floor(Math.log2(hi) * BINS_PER_OCTAVE) - base + 1;
  if (nb < 5) return undefined;
  const hist = new Float64Array(nb);
  for (let i = 0; i < n; i++) hist[Math.floor(Math.log2(Math.max(1, ns[i])) * BINS_PER_OCTAVE) - base]++;
  // Three-bin moving average: a quarter-octave histogram of a few thousand samples is ragged.
  const sm = new Float64Array(nb);
  for (let b = 0; b < nb; b++)
    sm[b] = (hist[Math.max(0, b - 1)] + hist[b] + hist[Math.min(nb - 1, b + 1)]) / 3;
  let main = 0;
  for (let b = 1; b < nb; b++) if (sm[b] > sm[main]) main = b;
  // The deepest valley left of the main mode, measured against the highest bin left of it.
  let best: { valley: number; fast: number; ratio: number } | undefined;
  for (let v = 1; v < main; v++) {
    let fast = 0;
    for (let b = 1; b < v; b++) if (sm[b] > sm[fast]) fast = b;
    if (sm[fast] <= sm[v]) continue;
    let valley = v;
    for (let b = v; b < main; b++) if (sm[b] < sm[valley]) valley = b;
    const ratio = sm[valley] / sm[fast];
    if (!best || ratio < best.ratio) best = { valley, fast, ratio };
  }
  if (!best || best.ratio >= VALLEY_DEPTH) return undefined;
  const center = (b: number) => 2 ** ((b + base + 0.5) / BINS_PER_OCTAVE);
  if (center(best.fast) >= MODE_RATIO * center(main)) return undefined;
  // Split in the middle of the valley bin.
  const thresholdNs = center(best.valley);
  let below = 0;
  for (let i = 0; i < n; i++) if (ns[i] < thresholdNs) below++;
  const share = below / n;
  if (share < MIN_SHARE || share > MAX_SHARE) return undefined;
  return {
    thresholdNs,
    share,
    fastModeNs: center(best.fast),
    mainModeNs: center(main),
    valleyRatio: best.ratio,
  };
}
