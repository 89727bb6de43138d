// The pieces of bios the kernel split (X events; blk-merge.c bio_split_to_limits), so that a
// split bio's I/O-table row gets the D of its first piece and the C of its last: what the
// process that submitted it waited for. btt cannot pair a split bio (no piece's D or C covers
// the Q's whole span, btt/trace_issue.c and trace_complete.c) and its figures stay as btt's;
// this is only for the rows (latency, throughput, and the replay's input), and for the
// requests the pieces were, which calibration fits (PieceRequests).
import { NIL, SectorTree } from './sector-tree.js';

/** Completed pieces of split bios, one request the device served each, in completion order. */
export interface PieceRequests {
  length: number;
  /** Kernel dev_t. */
  dev: Uint32Array;
  /** The piece's own D and C, integer ns. */
  tD: Float64Array;
  tC: Float64Array;
  /** Start sector and size of the piece. */
  sector: Float64Array;
  bytes: Float64Array;
  /** The row of the bio it was cut from (its op and flags are the piece's). */
  row: Float64Array;
}

const PIECE_COLUMNS = ['dev', 'tD', 'tC', 'sector', 'bytes', 'row'] as const;

export function emptyPieceRequests(capacity = 0): PieceRequests {
  return {
    length: 0,
    dev: new Uint32Array(capacity),
    tD: new Float64Array(capacity),
    tC: new Float64Array(capacity),
    sector: new Float64Array(capacity),
    bytes: new Float64Array(capacity),
    row: new Float64Array(capacity),
  };
}

/** Adds one piece, growing the columns by doubling. */
export function pushPieceRequest(
  p: PieceRequests,
  dev: number,
  tD: number,
  tC: number,
  sector: number,
  bytes: number,
  row: number,
): PieceRequests {
  let out = p;
  if (p.length === p.tD.length) {
    out = emptyPieceRequests(Math.max(64, 2 * p.length));
    for (const c of PIECE_COLUMNS) (out[c] as Float64Array).set(p[c] as Float64Array);
    out.length = p.length;
  }
  const k = out.length++;
  out.dev[k] = dev;
  out.tD[k] = tD;
  out.tC[k] = tC;
  out.sector[k] = sector;
  out.bytes[k] = bytes;
  out.row[k] = row;
  return out;
}

export class SplitPieces {
  /** Pieces not yet completed, keyed by start sector; the value is the bio's row, the extra its D (0: not issued). */
  readonly tree = new SectorTree();
  /** Pieces not yet completed, per row of a split bio. */
  private readonly open = new Map<number, number>();

  get size(): number {
    return this.tree.size;
  }

  /** The piece that starts at `sector`, or NIL. */
  pieceAt(sector: number): number {
    const n = this.tree.findContaining(sector);
    return n !== NIL && this.tree.startOf(n) === sector ? n : NIL;
  }

  /**
   * The bio of `row`, whose unsplit part is [start, end), was split at `at` (X: the first
   * piece is [start, at), the rest [at, end) goes on and may be split again).
   */
  split(row: number, start: number, end: number, at: number): void {
    // An unsplit bio is one open piece; each split makes one more.
    this.tree.insert(start, at, row);
    this.tree.insert(at, end, row);
    this.open.set(row, (this.open.get(row) ?? 1) + 1);
  }

  /** Frees a completed piece; true when it was its bio's last. */
  complete(node: number): boolean {
    const row = this.tree.valueOf(node);
    this.tree.remove(node);
    const left = (this.open.get(row) ?? 1) - 1;
    if (left > 0) {
      this.open.set(row, left);
      return false;
    }
    this.open.delete(row);
    return true;
  }
}
