// The comparison matrix: every trace × policy × device, in that nesting order, each cell with
// a fixed index. Indices decide which shard runs a cell (`--shard i/n`: every n-th cell from
// the i-th), the order of results.json and the order of a report, so a sweep split across
// machines and merged again reads exactly as one run on one machine.
import { UfqReplayError } from '../../errors.js';

export interface MatrixCell {
  /** Position in the whole (unsharded) matrix, 0-based. */
  index: number;
  trace: string;
  policy: string;
  /** Device as given (a built-in name or a profile file); undefined: the run command's default. */
  device: string | undefined;
}

/** One shard of n: `index` is 1-based as in `--shard 2/4` and Slurm's or Kubernetes' array indices + 1. */
export interface Shard {
  index: number;
  count: number;
}

export function buildMatrix(
  traces: readonly string[],
  policies: readonly string[],
  devices: readonly (string | undefined)[],
): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const trace of traces)
    for (const policy of policies)
      for (const device of devices) cells.push({ index: cells.length, trace, policy, device });
  return cells;
}

/** Parses `i/n` (1 ≤ i ≤ n); FLAG_INVALID otherwise. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!(count >= 1 && index >= 1 && index <= count))
    throw new UfqReplayError('FLAG_INVALID', `--shard ${text} is not i/n with 1 <= i <= n`, {
      hint: 'for example --shard 1/4 for the first of four shards (a Slurm array task: --shard $((SLURM_ARRAY_TASK_ID+1))/N)',
    });
  return { index, count };
}

/** The cells shard `shard` runs: those whose index is ≡ shard.index − 1 (mod shard.count). */
export function shardCells(cells: readonly MatrixCell[], shard: Shard | undefined): MatrixCell[] {
  if (shard === undefined) return [...cells];
  return cells.filter((c) => c.index % shard.count === shard.index - 1);
}
