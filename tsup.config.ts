import { defineConfig } from 'tsup';

// Entry points: the scripting API (index), the oclif command map (commands), the helper
// library a user's policy file imports (policy-lib: package.json exports "./policy"), the
// worker of a guarded replay of a policy file (guarded-worker) and compare's worker
// (replay-worker).
export default defineConfig({
  entry: {
    index: 'src/index.ts',
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
});
