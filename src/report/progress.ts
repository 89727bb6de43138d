// compare's progress line on a terminal: runs done of total, I/Os simulated, elapsed time and
// an estimate of the time left, redrawn in place on stderr. It draws nothing when the stream
// is not a TTY (logs, CI, pipes) or when told to be quiet, so redirected output stays clean.

/** What the bar shows; the same shape as compare's progress callback. */
export interface ProgressState {
  runsDone: number;
  runsTotal: number;
  iosDone: number;
}

export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width; 0 or absent (a pseudo-terminal without a size) means 80. */
  columns?: number;
  write(chunk: string): boolean;
}

/** Width of the bar itself, characters. */
const BAR_WIDTH = 16;
/** Fewest milliseconds between two redraws (a terminal flickers past ~30 redraws a second). */
const MIN_REDRAW_MS = 100;

export class ProgressBar {
  private readonly enabled: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    options: { quiet?: boolean; now?: () => number } = {},
  ) {
    this.enabled = stream.isTTY === true && options.quiet !== true;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  update(p: ProgressState): void {
    if (!this.enabled) return;
    const t = this.now();
    if (p.runsDone < p.runsTotal && t - this.lastDraw < MIN_REDRAW_MS) return;
    this.lastDraw = t;
    this.drawn = true;
    this.stream.write(`\r${progressLine(p, t - this.started, this.stream.columns || 80)}\x1b[K`);
  }

  /** Ends the line so that whatever is printed next starts on a fresh one. */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\n');
  }
}

/** The line drawn for `p` after `elapsedMs`, cut to `columns`. */
export function progressLine(p: ProgressState, elapsedMs: number, columns = 80): string {
  const frac = p.runsTotal > 0 ? Math.min(1, p.runsDone / p.runsTotal) : 0;
  const full = Math.round(frac * BAR_WIDTH);
  const bar = `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}]`;
  const eta =
    p.runsDone > 0 && p.runsDone < p.runsTotal ? (elapsedMs / p.runsDone) * (p.runsTotal - p.runsDone) : null;
  const line =
    `${bar} ${p.runsDone}/${p.runsTotal} runs, ${compactCount(p.iosDone)} I/Os simulated, ` +
    `${clock(elapsedMs)} elapsed${eta === null ? '' : `, ETA ${clock(eta)}`}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

function compactCount(n: number): string {
  if (n < 1e4) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  return `${(n / 1e6).toFixed(2)}M`;
}

/** m:ss, or h:mm:ss past an hour. */
function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
