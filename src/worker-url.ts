// Where a worker's module is: `NAME.js` beside the calling module in the built package
// (tsup lays every entry and chunk flat in dist/), or, when running from the TypeScript
// sources (tsx, vitest), `NAME.ts` beside it behind a small inline module that registers
// tsx's loader inside the worker first: hooks registered in the parent do not reach its
// workers. tsx is a development dependency, needed only when running from src/.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** True when `moduleUrl` is a TypeScript source (tsx, vitest) rather than dist/. */
export function runningFromSource(moduleUrl: string): boolean {
  return /\.[cm]?ts$/.test(new URL(moduleUrl).pathname);
}

/**
 * The URL a worker (thread or process) imports for the entry `name`: beside `moduleUrl` in
 * dist/, and in `sourceDir` (relative to `moduleUrl`) among the sources.
 */
export function workerModuleUrl(name: string, moduleUrl: string, sourceDir = '.'): string {
  if (!runningFromSource(moduleUrl)) return new URL(`./${name}.js`, moduleUrl).href;
  const tsxApi = pathToFileURL(createRequire(moduleUrl).resolve('tsx/esm/api')).href;
  const entry = new URL(`${sourceDir}/${name}.ts`, moduleUrl).href;
  const source = [
    `import { register } from ${JSON.stringify(tsxApi)};`,
    'register();',
    `const entry = await import(${JSON.stringify(entry)});`,
    'export default entry.default;',
  ].join('\n');
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
