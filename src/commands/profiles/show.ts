// `ufq-replay profiles show NAME|FILE`: one device profile with every parameter, its unit
// and where its value comes from; with --json, the profile object itself (a valid profile
// file). Thin: loading and validation live in src/device/registry.ts.
import { Args } from '@oclif/core';
import type { DeviceProfile } from '../../device/profile.js';
import { profileParameters } from '../../device/profile.js';
import { loadProfile } from '../../device/registry.js';
import { BaseCommand } from '../base-command.js';

export default class ProfilesShow extends BaseCommand {
  static override summary = 'Show a device profile: every parameter with its unit and source.';

  static override description =
    `PROFILE is a built-in name (see "ufq-replay profiles") or a JSON profile file. The file is validated as --device would validate it: every bad field is reported with its path, and the command exits with status 3.

With --json the profile is printed as JSON, which is a valid profile file to copy and edit.`;

  static override examples = [
    { command: '<%= config.bin %> profiles show hdd-7200', description: 'The built-in 7200 rpm disk.' },
    {
      command: '<%= config.bin %> profiles show nvme --json > my-nvme.json',
      description: 'Start a profile of your own from a built-in.',
    },
    {
      command: '<%= config.bin %> profiles show ./my-nvme.json',
      description: 'Check and show a profile file.',
    },
  ];

  static override args = {
    profile: Args.string({ required: true, description: 'Built-in profile name or JSON profile file.' }),
  };

  async run(): Promise<DeviceProfile> {
    const { args } = await this.parse(ProfilesShow);
    const profile = loadProfile(args.profile);
    if (!this.jsonEnabled()) this.render(profile);
    return profile;
  }

  private render(p: DeviceProfile): void {
    const version = p.version === undefined ? '' : `, version ${p.version}`;
    this.log(`${p.name} (${p.type}, origin: ${p.source.origin}${version})`);
    this.log(p.description);
    this.log('');
    const rows = profileParameters(p).map((r) => [r.key, String(r.value), r.unit, r.source]);
    const head = ['parameter', 'value', 'unit', 'source'];
    const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]): string =>
      `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`.trimEnd();
    this.log(line(head));
    for (const r of rows) this.log(line(r));
    const refs = p.source.references ?? [];
    if (refs.length > 0) {
      this.log('');
      this.log('references:');
      for (const r of refs) this.log(`  - ${r}`);
    }
    if (p.source.notes) this.log(`\nnotes: ${p.source.notes}`);
  }
}
