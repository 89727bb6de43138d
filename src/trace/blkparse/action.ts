// Action tokens of blktrace text: the letters blkparse and the ftrace blk tracer print
// (trace-formats §2.1) and the blk tracer's `verbose` long names (§3.1), to ACT codes.
import { ACT } from '../event.js';
import { startsWithAscii } from './scan.js';

/** ACT code by the character code of a one-letter action; 0 = not an action letter. */
const LETTER = new Uint8Array(128);
LETTER[81] = ACT.Q; // Q
LETTER[77] = ACT.M; // M
LETTER[70] = ACT.F; // F
LETTER[71] = ACT.G; // G
LETTER[83] = ACT.S; // S
LETTER[82] = ACT.R; // R
LETTER[68] = ACT.D; // D
LETTER[67] = ACT.C; // C
LETTER[80] = ACT.P; // P
LETTER[85] = ACT.U; // U
LETTER[73] = ACT.I; // I
LETTER[88] = ACT.X; // X
LETTER[66] = ACT.B; // B
LETTER[65] = ACT.A; // A
LETTER[109] = ACT.m; // m

const L_U = 85;
const L_T = 84;

/** kernel/trace/blktrace.c what2act: the long names the `verbose` option prints. */
const VERBOSE: ReadonlyArray<readonly [string, number]> = [
  ['queue', ACT.Q],
  ['backmerge', ACT.M],
  ['frontmerge', ACT.F],
  ['getrq', ACT.G],
  ['sleeprq', ACT.S],
  ['requeue', ACT.R],
  ['issue', ACT.D],
  ['complete', ACT.C],
  ['plug', ACT.P],
  ['unplug_io', ACT.U],
  ['unplug_timer', ACT.UT],
  ['insert', ACT.I],
  ['split', ACT.X],
  ['remap', ACT.A],
  ['message', ACT.m],
];

/** ACT code of the action token s[start, end) (`Q` .. `UT`, `m`), or 0 when it is none. */
export function actionFromLetters(s: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 1) {
    const c = s[start];
    return c < 128 ? LETTER[c] : 0;
  }
  if (len === 2 && s[start] === L_U && s[start + 1] === L_T) return ACT.UT;
  return 0;
}

/** Like actionFromLetters, also accepting the `verbose` long names. */
export function actionFromToken(s: Uint8Array, start: number, end: number): number {
  const a = actionFromLetters(s, start, end);
  if (a !== 0 || end - start < 4) return a;
  for (const [name, code] of VERBOSE) {
    if (name.length === end - start && startsWithAscii(s, start, end, name)) return code;
  }
  return 0;
}
