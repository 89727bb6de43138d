import { defineConfig } from 'tsup';

// Two entry points: the scripting API (index) and the oclif command map (commands).
// Workers for compare are added as entries when they exist.
export default defineConfig({
  entry: ['src/index.ts', 'src/commands.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  splitting: true,
  outDir: 'dist',
});
