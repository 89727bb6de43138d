// `ufq-replay profiles`: the built-in device profiles, one line each. Thin: the profiles
// and their validation live in src/device/registry.ts.
import { builtinProfiles } from '../../device/registry.js';
import { BaseCommand } from '../base-command.js';

/** One row of the `profiles --json` result. */
export interface ProfileListEntry {
  name: string;
  type: string;
  origin: string;
  description: string;
}

export default class Profiles extends BaseCommand {
  static override summary = 'List the built-in device profiles.';

  static override description =
    `Each profile is a device model (hdd, ssd, nvme, fixed or null) with parameters taken from datasheets, measurements or a fit to traces. Give a name to --device, or to "profiles show" to see every parameter with its unit and source. A JSON file with the same fields works wherever a name does; docs/device-profiles.md describes them.`;

  static override examples = [
    { command: '<%= config.bin %> profiles', description: 'One line per built-in profile.' },
    { command: '<%= config.bin %> profiles --json', description: 'The same list as JSON.' },
  ];

  async run(): Promise<ProfileListEntry[]> {
    await this.parse(Profiles);
    const rows = builtinProfiles().map((p) => ({
      name: p.name,
      type: p.type,
      origin: p.source.origin,
      description: p.description,
    }));
    if (!this.jsonEnabled()) {
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows)
        this.log(`${r.name.padEnd(w)}  ${r.type.padEnd(5)}  ${r.origin.padEnd(9)}  ${r.description}`);
    }
    return rows;
  }
}
