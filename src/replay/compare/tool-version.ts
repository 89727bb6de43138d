// The version of the installed package (package.json beside src/ or dist/), for matrix.json
// and reports written through the scripting API; commands use oclif's config.version.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached !== undefined) return cached;
  cached = '0.0.0';
  // src/replay/compare/ from the sources, dist/ once built: the first package.json upwards.
  for (const up of ['../package.json', '../../package.json', '../../../package.json'])
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'ufq-replay' && pkg.version) {
        cached = pkg.version;
        break;
      }
    } catch {
      // Not at this level; look further up.
    }
  return cached;
}
