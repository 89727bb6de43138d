// `ufq-replay policies`: the built-in policies, one line each (name, aliases, the UFQ
// revisions they run on, summary). Thin: the policies live in src/policies/registry.ts.
import { builtinPolicies, getPolicyInfo, policyNames } from '../../policies/registry.js';
import { BaseCommand } from '../base-command.js';

/** One row of the `policies --json` result. */
export interface PolicyListEntry {
  name: string;
  /** Other names --policy accepts for it. */
  aliases: string[];
  summary: string;
  /** The UFQ revision it needs (selecting it implies --ufq-rev N), or null if it runs on any. */
  requiresRevision: number | null;
}

export default class Policies extends BaseCommand {
  static override summary = 'List the built-in policies.';

  static override description =
    `Each built-in policy is a hook table the UFQ elevator calls, as a BPF program is in the kernel: UFQ's own examples and ports of the kernel's schedulers. Give a name to --policy, or a policy file of your own (.js, .mjs or .ts); "policies new" writes a starting file. docs/policies.md describes every policy and the hook contract.`;

  static override examples = [
    { command: '<%= config.bin %> policies', description: 'One line per built-in policy.' },
    {
      command: '<%= config.bin %> policies new my_fifo',
      description: 'Write my_fifo.mjs, a policy to start from.',
    },
  ];

  async run(): Promise<PolicyListEntry[]> {
    await this.parse(Policies);
    const aliases = new Map<string, string[]>();
    for (const n of policyNames()) {
      const real = getPolicyInfo(n)?.name;
      if (real !== undefined && real !== n) aliases.set(real, [...(aliases.get(real) ?? []), n]);
    }
    const rows = builtinPolicies().map((p) => ({
      name: p.name,
      aliases: aliases.get(p.name) ?? [],
      summary: p.summary,
      requiresRevision: p.requiresRevision ?? null,
    }));
    if (!this.jsonEnabled()) {
      const label = (r: PolicyListEntry) =>
        r.aliases.length > 0 ? `${r.name} (${r.aliases.join(', ')})` : r.name;
      const w = Math.max(...rows.map((r) => label(r).length));
      for (const r of rows) {
        const rev = r.requiresRevision === null ? 'rev-1, 3' : `rev-${r.requiresRevision}`;
        this.log(`${label(r).padEnd(w)}  ${rev.padEnd(8)}  ${r.summary}`);
      }
    }
    return rows;
  }
}
