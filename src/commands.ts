// The explicit command map oclif loads (package.json oclif.commands, strategy "explicit").
// Explicit discovery survives bundling by tsup; add each new command here.
import type { Command } from '@oclif/core';

export const COMMANDS: Record<string, Command.Class> = {};
