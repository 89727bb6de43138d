// The explicit command map oclif loads (package.json oclif.commands, strategy "explicit").
// Explicit discovery survives bundling by tsup; add each new command here.
import type { Command } from '@oclif/core';
import Calibrate from './commands/calibrate.js';
import Convert from './commands/convert.js';
import Inspect from './commands/inspect.js';
import Profiles from './commands/profiles/index.js';
import ProfilesShow from './commands/profiles/show.js';
import Run from './commands/run.js';

export const COMMANDS: Record<string, Command.Class> = {
  calibrate: Calibrate,
  convert: Convert,
  inspect: Inspect,
  profiles: Profiles,
  'profiles:show': ProfilesShow,
  run: Run,
};
