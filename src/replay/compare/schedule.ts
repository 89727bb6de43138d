// The order compare's cells start in: longest first, by an estimate that learns. A cell's
// cost is guessed as its trace's bytes times the time per byte its policy has taken so far
// (in this matrix); a policy not seen yet is guessed at the slowest rate seen, so that a
// possibly long cell starts early rather than last, when the other workers would idle.
// Only the order of starting depends on timing; results are placed by cell index.

export interface ScheduledCell {
  /** Trace bytes (the size part of the estimate). */
  bytes: number;
  /** What the time per byte is learned for: the policy label. */
  kind: string;
}

/**
 * Runs every cell on `slots` parallel slots; `run(k)` replays cell k and resolves with the
 * wall ms its replay took. Cells of equal estimate start in index order.
 */
export async function runLongestFirst(
  cells: readonly ScheduledCell[],
  slots: number,
  run: (k: number) => Promise<number>,
): Promise<void> {
  const left = new Set(cells.map((_, k) => k));
  const learned = new Map<string, { ms: number; bytes: number }>();
  const rate = (kind: string): number => {
    const seen = learned.get(kind);
    if (seen !== undefined && seen.bytes > 0) return seen.ms / seen.bytes;
    let slowest = 0;
    for (const s of learned.values()) if (s.bytes > 0) slowest = Math.max(slowest, s.ms / s.bytes);
    return slowest > 0 ? slowest : 1;
  };
  const next = (): number | undefined => {
    let best: number | undefined;
    let bestCost = -1;
    for (const k of left) {
      const cost = cells[k].bytes * rate(cells[k].kind);
      if (cost > bestCost || (cost === bestCost && best !== undefined && k < best)) {
        best = k;
        bestCost = cost;
      }
    }
    if (best !== undefined) left.delete(best);
    return best;
  };
  const slot = async (): Promise<void> => {
    for (let k = next(); k !== undefined; k = next()) {
      const ms = await run(k);
      const s = learned.get(cells[k].kind) ?? { ms: 0, bytes: 0 };
      s.ms += ms;
      s.bytes += cells[k].bytes;
      learned.set(cells[k].kind, s);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(slots, cells.length)) }, slot));
}
