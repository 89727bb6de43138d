// The explicit command map oclif loads (package.json oclif.commands, strategy "explicit").
// Explicit discovery survives bundling by tsup; add each new command here.
import type { Command } from '@oclif/core';
import Calibrate from './commands/calibrate.js';
import Compare from './commands/compare.js';
import Convert from './commands/convert.js';
import Inspect from './commands/inspect.js';
import Policies from './commands/policies/index.js';
import PoliciesNew from './commands/policies/new.js';
import Profiles from './commands/profiles/index.js';
import ProfilesShow from './commands/profiles/show.js';
import Report from './commands/report.js';
import Run from './commands/run.js';
import Validate from './commands/validate.js';

export const COMMANDS: Record<string, Command.Class> = {
  calibrate: Calibrate,
  compare: Compare,
  convert: Convert,
  inspect: Inspect,
  policies: Policies,
  'policies:new': PoliciesNew,
  profiles: Profiles,
  'profiles:show': ProfilesShow,
  report: Report,
  run: Run,
  validate: Validate,
};
