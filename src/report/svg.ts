// Vega-Lite spec → SVG text, headless: compiled to Vega and rendered by a View with no DOM
// renderer (`renderer: 'none'`, then toSVG), so no browser and no canvas is involved. Vega
// numbers clip paths and gradients with a counter global to the process; they are renumbered
// per document so that an SVG's bytes depend on its data only, not on what was drawn before.
// vega and vega-lite are loaded on first use: they take about a second to import.
import type { TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec to a standalone SVG document. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return stableIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Renames generated ids (clip7, gradient3, ...) to 1, 2, ... in order of first appearance. */
export function stableIds(svg: string): string {
  const renamed = new Map<string, string>();
  const counters = new Map<string, number>();
  const rename = (prefix: string, n: string): string => {
    const old = prefix + n;
    let now = renamed.get(old);
    if (now === undefined) {
      const next = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, next);
      now = prefix + next;
      renamed.set(old, now);
    }
    return now;
  };
  return svg
    .replace(/id="(clip|gradient|pattern|marker)(\d+)"/g, (_, p: string, n: string) => `id="${rename(p, n)}"`)
    .replace(
      /url\(#(clip|gradient|pattern|marker)(\d+)\)/g,
      (_, p: string, n: string) => `url(#${rename(p, n)})`,
    );
}
