// The shape `report` needs from each run of a results file: every field that a section, table,
// chart or merge key reads (markdown.ts, charts.ts, compare-table.ts, run-view.ts), with its
// JSON type. The first field that is missing or of the wrong type is named by its JSON path, so
// a truncated or hand-edited results.json is a coded error instead of a TypeError later on.
// Fields no report code reads (merges, byOp, d2c_ns, windowIops, ...) are not checked, and
// this is not a schema of the `run --json` contract (CONTRACTS.md), only of what report uses.

/** What is wrong with a run and where: `path` is '' for the run itself. */
export interface RunProblem {
  path: string;
  problem: string;
}

type Check = (v: unknown, path: string) => RunProblem | undefined;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function bad(v: unknown, path: string, expected: string): RunProblem {
  return { path, problem: v === undefined ? 'is missing' : `is ${kind(v)}, expected ${expected}` };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `a.b`, or `a["two words"]` for a key (a warning reason) that is not an identifier. */
function child(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

const num: Check = (v, path) => (typeof v === 'number' ? undefined : bad(v, path, 'a number'));
const str: Check = (v, path) => (typeof v === 'string' ? undefined : bad(v, path, 'a string'));

function obj(fields: Record<string, Check>): Check {
  const entries = Object.entries(fields);
  return (v, path) => {
    if (!isObject(v)) return bad(v, path, 'an object');
    for (const [key, check] of entries) {
      const p = check(v[key], child(path, key));
      if (p) return p;
    }
    return undefined;
  };
}

function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return bad(v, path, 'an array');
    for (let i = 0; i < v.length; i++) {
      const p = item(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  };
}

/** An object used as a map (opsStats, warnings): every value passes `value`. */
function recordOf(value: Check): Check {
  return (v, path) => {
    if (!isObject(v)) return bad(v, path, 'an object');
    for (const [key, x] of Object.entries(v)) {
      const p = value(x, child(path, key));
      if (p) return p;
    }
    return undefined;
  };
}

const optional =
  (check: Check): Check =>
  (v, path) =>
    v === undefined ? undefined : check(v, path);

const nullable =
  (check: Check): Check =>
  (v, path) =>
    v === null ? undefined : check(v, path);

/** A policy parameter: a number, or a list of names (policyParams). */
const paramValue: Check = (v, path) =>
  typeof v === 'number'
    ? undefined
    : Array.isArray(v)
      ? arrayOf(str)(v, path)
      : bad(v, path, 'a number or an array');

/** The latencies read from a run and from each process: Q2C p50, p99, p99.9 and the largest Q2D. */
const LATENCY = obj({ q2c_ns: obj({ p50: num, p99: num, p999: num }), q2d_ns: obj({ max: num }) });

const RUN = obj({
  policy: str,
  ufqRevision: num,
  device: str,
  mode: str,
  seed: num,
  trace: str,
  timeScale: num,
  throughput: obj({ iops: num, mbps: num }),
  latency: LATENCY,
  processes: arrayOf(
    obj({ pid: num, comm: str, ioprioClass: str, ios: num, iops: num, mbps: num, latency: LATENCY }),
  ),
  fairness: obj({
    jain: num,
    backlogged: optional(obj({ jain: num, ns: num })),
    slowdown: optional(
      obj({ fairness: num, min: num, max: num, processes: arrayOf(obj({ pid: num, slowdown: num })) }),
    ),
  }),
  opsStats: recordOf(num),
  flushes: optional(obj({ n: num, completed: num, latency: obj({ q2c_ns: obj({ p50: num, p99: num }) }) })),
  conservation: obj({ lost: num }),
  ejected: nullable(obj({ reason: str, hook: str, atNs: num })),
  warnings: recordOf(num),
  limits: optional(recordOf(num)),
  policyParams: optional(recordOf(paramValue)),
  traceStats: optional(obj({ format: str, ios: num, records: num, bytes: num, durationNs: num })),
  series: optional(
    obj({
      percentiles: arrayOf(num),
      q2cNs: arrayOf(num),
      timeline: obj({ binNs: num, bytes: arrayOf(num) }),
      processBytes: arrayOf(obj({ pid: num, bytes: num })),
    }),
  ),
});

/** The first field of `run` the report could not read, or undefined when it can read them all. */
export function runProblem(run: unknown): RunProblem | undefined {
  return RUN(run, '');
}
