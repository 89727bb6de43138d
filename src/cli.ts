// The command-line entry (bin/run.js): oclif's execute, bundled with the commands so that
// start-up reads one file instead of resolving oclif's modules one by one.
export { execute } from '@oclif/core';
