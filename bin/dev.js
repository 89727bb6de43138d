#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the CLI from src/ without a build (oclif maps dist/ to src/ through tsconfig.json).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
