// `ufq-replay policies new NAME`: write a commented starting policy (a FIFO on the helper
// library's list, every hook shown) that runs as is. Thin: the text is src/policies/scaffold.ts.
import { access, writeFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { UfqReplayError } from '../../errors.js';
import { POLICY_NAME_PATTERN, policyScaffold } from '../../policies/scaffold.js';
import { BaseCommand } from '../base-command.js';

/** The `policies new --json` result. */
export interface PolicyNewResult {
  name: string;
  file: string;
  language: 'javascript' | 'typescript';
}

export default class PoliciesNew extends BaseCommand {
  static override summary = 'Write a starting policy file: a commented FIFO that runs as is.';

  static override description =
    `The file default-exports a hook table named NAME: every UFQ hook, each with a comment on when the elevator calls it, what it may return and what it owns, and the helpers it may import from 'ufq-replay/policy'. It is a complete first-in, first-out policy; replay a trace through it with --policy FILE, then change the hooks. docs/policies.md "Writing your own policy" walks through it.`;

  static override examples = [
    { command: '<%= config.bin %> policies new my_fifo', description: 'Write ./my_fifo.mjs.' },
    {
      command: '<%= config.bin %> policies new my_fifo --ts --out policies/my_fifo.ts',
      description: 'Write a TypeScript file to a chosen path.',
    },
    {
      command: '<%= config.bin %> run traces/seq-vs-rand.none --policy ./my_fifo.mjs',
      description: 'Replay a trace through it.',
    },
  ];

  static override args = {
    name: Args.string({
      required: true,
      description: "The policy's name: 1 to 15 letters, digits, '_' or '-', not starting with a digit.",
    }),
  };

  static override flags = {
    out: Flags.string({ description: 'File to write (default ./NAME.mjs, or ./NAME.ts with --ts).' }),
    ts: Flags.boolean({ description: 'Write TypeScript instead of JavaScript.', default: false }),
    force: Flags.boolean({ description: 'Overwrite the file if it exists.', default: false }),
  };

  async run(): Promise<PolicyNewResult> {
    const { args, flags } = await this.parse(PoliciesNew);
    if (!POLICY_NAME_PATTERN.test(args.name))
      throw new UfqReplayError('FLAG_INVALID', `'${args.name}' is not a policy name`, {
        hint: "1 to 15 letters, digits, '_' or '-', not starting with a digit (the kernel's name[16])",
      });
    const file = flags.out ?? `${args.name}.${flags.ts ? 'ts' : 'mjs'}`;
    const exists = await access(file).then(
      () => true,
      () => false,
    );
    if (exists && !flags.force)
      throw new UfqReplayError('OUTPUT_UNWRITABLE', 'the file exists', {
        file,
        hint: 'choose another --out, or give --force to overwrite it',
      });
    await writeFile(file, policyScaffold({ name: args.name, ts: flags.ts })).catch((e: unknown) => {
      throw new UfqReplayError('OUTPUT_UNWRITABLE', 'cannot write the policy file', { file, cause: e });
    });
    if (!this.jsonEnabled() && !this.argv.includes('--quiet') && !this.argv.includes('-q'))
      this.log(
        `wrote ${file}\nrun it: ufq-replay run TRACE --policy ${file.includes('/') ? file : `./${file}`}`,
      );
    return { name: args.name, file, language: flags.ts ? 'typescript' : 'javascript' };
  }
}
