// Strict, allocation-free number parsing for CSV and iolog fields. Number() accepts too
// much ('' -> 0, '0x10', '1e3', ' 12 '); these accept plain decimal digits only, and
// return NaN for anything else so a decoder can count the row as bad.

/** 10^9: the split point of big integers (low part = last 9 digits). */
const E9 = 1e9;

/** A non-negative decimal integer below 2^53, or NaN. */
export function parseUint(s: string): number {
  const n = s.length;
  if (n === 0 || n > 16) return n > 16 ? parseLongUint(s) : Number.NaN;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

function parseLongUint(s: string): number {
  const v = parseUintSplit(s, SPLIT);
  if (!v) return Number.NaN;
  const x = SPLIT[0] * E9 + SPLIT[1];
  return x < 2 ** 53 ? x : Number.NaN;
}

const SPLIT = new Float64Array(2);
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** A decimal integer with an optional leading '-', |v| < 2^53, or NaN. */
export function parseInt53(s: string): number {
  if (s.charCodeAt(0) === 45 /* - */) {
    const v = parseUint(s.slice(1));
    return v === 0 ? 0 : -v;
  }
  return parseUint(s);
}

/**
 * Parses a decimal integer of up to 24 digits into `out` = [high, low], value = high * 1e9 +
 * low, both exact. Used for timestamps past 2^53 (FILETIME ticks, epoch µs) so that
 * differences between rows stay exact. Returns false if `s` is not all digits.
 */
export function parseUintSplit(s: string, out: Float64Array): boolean {
  const n = s.length;
  if (n === 0 || n > 24) return false;
  const cut = Math.max(0, n - 9);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    if (i < cut) hi = hi * 10 + c;
    else lo = lo * 10 + c;
  }
  out[0] = hi;
  out[1] = lo;
  return true;
}

/**
 * Decimal seconds ("12", "0.000000", "3.5") -> integer ns, exact for up to 9 fractional
 * digits (further digits are rounded half up). NaN for anything else, or for values past
 * 2^53 ns (~104 days).
 */
export function parseSecondsNs(s: string): number {
  const dot = s.indexOf('.');
  const intPart = dot < 0 ? s : s.slice(0, dot);
  const sec = intPart.length === 0 && dot >= 0 ? 0 : parseUint(intPart);
  if (Number.isNaN(sec)) return Number.NaN;
  let frac = 0;
  if (dot >= 0) {
    const f = s.length - dot - 1;
    if (f === 0 && intPart.length === 0) return Number.NaN;
    for (let i = dot + 1; i < s.length; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return Number.NaN;
      const k = i - dot; // 1-based fractional digit: 1 = tenths
      if (k <= 9) frac += c * POW10[9 - k];
      else if (k === 10 && c >= 5) frac += 1;
    }
  }
  const ns = sec * E9 + frac;
  return ns < 2 ** 53 ? ns : Number.NaN;
}
