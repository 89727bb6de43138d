// The first value of a number field that will hold ns times, sectors or event handles. V8
// lays out a field whose first value is a small integer (|v| < 2^30) as one; the first larger
// value (a second into a trace, in ns) then changes the hidden class of the object and throws
// away the optimised code of every function that used such objects, mid-run. A field whose
// first value is a fraction is a double from the start: classes initialise such fields to
// DOUBLE_FIELD and set the real value in the constructor. Sentinels that are themselves
// fractions (-0.5 for "none yet", trace/pair.ts, trace/blktrace/decoder.ts) do the same job.
export const DOUBLE_FIELD = 0.5;
