// The import boundaries of docs/architecture.md, checked on every test run: a reader never
// knows about scheduling, a policy sees only its hook arguments and the helper library, a
// command holds no model logic it could not import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(new URL('../src', import.meta.url).pathname);

/** Area of a file: its first folder under src/ ('policies/lib' is its own area). */
function areaOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  if (rel.length === 1) return 'root';
  if (rel[0] === 'policies' && rel[1] === 'lib') return 'policies/lib';
  return rel[0];
}

/** Which areas each area may import at run time; `types` lists areas it may import types from. */
const ALLOWED: Record<string, { values: string[]; types?: string[] }> = {
  root: { values: ['*'] },
  commands: { values: ['*'] },
  trace: { values: ['trace', 'root'] },
  sim: { values: ['sim', 'root'], types: ['trace'] },
  device: { values: ['device', 'sim', 'root', 'trace'] },
  block: { values: ['block', 'sim', 'ufq', 'device', 'trace', 'root'] },
  ufq: { values: ['ufq', 'block', 'sim', 'trace', 'root'] },
  'policies/lib': { values: ['policies/lib', 'root'], types: ['ufq', 'block'] },
  policies: { values: ['policies', 'policies/lib'], types: ['ufq'] },
  metrics: { values: ['metrics', 'trace', 'root'] },
  report: { values: ['report', 'metrics', 'trace', 'root'] },
  replay: { values: ['*'] },
  worker: { values: ['*'] },
};

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

describe('architecture: import boundaries (DESIGN.md "Layout")', () => {
  it('no file imports across a boundary', () => {
    const crossings: string[] = [];
    for (const file of tsFiles(SRC)) {
      const from = areaOf(file);
      const rule = ALLOWED[from];
      if (!rule) {
        crossings.push(`${relative(SRC, file)}: folder '${from}' has no rule in this test`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const typeOnly = m[2] !== undefined;
        const target = areaOf(resolve(dirname(file), m[3]));
        if (target === from || rule.values.includes('*') || rule.values.includes(target)) continue;
        if (typeOnly && rule.types?.includes(target)) continue;
        crossings.push(
          `${relative(SRC, file)} imports ${m[3]} (${from} -> ${target}${typeOnly ? ', type' : ''})`,
        );
      }
    }
    expect(crossings).toEqual([]);
  });

  it('the rule table is not vacuous: a policy importing the engine would be caught', () => {
    const rule = ALLOWED.policies;
    expect(rule.values.includes('sim')).toBe(false);
    expect(rule.values.includes('device')).toBe(false);
    expect(ALLOWED.trace.values.includes('sim')).toBe(false);
  });
});
