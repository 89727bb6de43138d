// matrix.json, written by `compare --out DIR` beside results.json: the whole sweep (traces,
// policies, devices) and, for the cells this shard ran, the run each produced. `report` reads
// it to put runs merged from several shards back in matrix order.

export interface MatrixDoc {
  /** ufq-replay version that ran the sweep. */
  toolVersion: string;
  traces: string[];
  policies: string[];
  /** null: the run command's default device. */
  devices: (string | null)[];
  /** `i/n` when this directory holds one shard, else null. */
  shard: string | null;
  /** Every cell of the whole matrix; `run` is the merge key of its result when this shard ran it. */
  cells: { index: number; trace: string; policy: string; device: string | null; run: string | null }[];
}

/** Identity of a sweep: shards of one sweep share it. */
export function sweepId(doc: MatrixDoc): string {
  return JSON.stringify([doc.traces, doc.policies, doc.devices]);
}
