import { defineConfig } from 'tsup';

// Entry points: the scripting API (index), the CLI entry bin/run.js imports (cli), the oclif
// command map (commands), the helper library a user's policy file imports (policy-lib:
// package.json exports "./policy"), the worker of a guarded replay of a policy file
// (guarded-worker) and compare's worker (replay-worker).
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    commands: 'src/commands.ts',
    'policy-lib': 'src/policies/lib/index.ts',
    'guarded-worker': 'src/worker/guarded-worker.ts',
    'replay-worker': 'src/worker/replay-worker.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { entry: { index: 'src/index.ts', 'policy-lib': 'src/policies/lib/index.ts' } },
  sourcemap: true,
  clean: true,
  splitting: true,
  outDir: 'dist',
  // oclif is bundled: loading its ~100 CommonJS modules one by one cost ~80 ms of every
  // command's start-up. Its optional TypeScript support (development mode only) stays out.
  noExternal: ['@oclif/core'],
  external: ['typescript', 'ts-node'],
  // oclif's CommonJS code calls require(); ESM output has none, so each chunk gets one.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
});
