#!/usr/bin/env node
// The built CLI. oclif is bundled into dist/ (tsup noExternal), so start-up reads a few
// files instead of resolving oclif's modules one by one.
import { execute } from '../dist/cli.js';

await execute({ dir: import.meta.url });
