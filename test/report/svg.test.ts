// Headless Vega-Lite rendering: an SVG document, well-formed, whose bytes do not depend on
// what was rendered before in the process (generated ids are renumbered per document).

import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { renderVegaLite, stableIds } from '../../src/report/svg.js';
import { checkXml } from '../helpers/xml-check.js';

const SPEC: TopLevelSpec = {
  data: {
    values: [
      { x: 1, y: 0.5, s: 'alpha' },
      { x: 10, y: 1, s: 'alpha' },
      { x: 2, y: 0.5, s: 'beta & co' },
      { x: 20, y: 1, s: 'beta & co' },
    ],
  },
  width: 200,
  height: 100,
  mark: { type: 'line', clip: true },
  encoding: {
    x: { field: 'x', type: 'quantitative', scale: { type: 'log' } },
    y: { field: 'y', type: 'quantitative' },
    color: { field: 's', type: 'nominal' },
  },
};

describe('renderVegaLite', () => {
  it('gives the same well-formed SVG twice, with every series in the legend', async () => {
    const a = await renderVegaLite(SPEC);
    const b = await renderVegaLite(SPEC);
    expect(a).toBe(b);
    const x = checkXml(a);
    expect(x.problems).toEqual([]);
    expect(x.root).toBe('svg');
    expect(x.texts).toContain('alpha');
    expect(x.texts).toContain('beta & co');
  });

  it('stableIds renumbers ids and their references in order of appearance', () => {
    const svg =
      '<svg><clipPath id="clip7"/><g clip-path="url(#clip7)"/><clipPath id="clip9"/><g clip-path="url(#clip9)"/></svg>';
    expect(stableIds(svg)).toBe(
      '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/><clipPath id="clip2"/><g clip-path="url(#clip2)"/></svg>',
    );
  });
});
