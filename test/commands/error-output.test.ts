// What every command prints when it fails (CONTRACTS.md exit codes; docs/architecture.md):
// one line `ufq-replay: ...` on stderr, the exit code of the table, and under --json one
// `{"error": {...}}` document on stdout. oclif's own default exits 1 under --json whatever
// the error; these cases pin the table for its parse errors and for coded input errors.
import { describe, expect, it } from 'vitest';
import Inspect from '../../src/commands/inspect.js';
import Run from '../../src/commands/run.js';
import { printed, spyConsole } from '../helpers/console.js';
import { runCommandClass } from '../helpers/run-command.js';

const spies = spyConsole();
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

const cases = [
  {
    what: 'a missing argument',
    cmd: Inspect,
    argv: [],
    exit: 2,
    code: 'USAGE',
    says: /required argument trace/,
  },
  {
    what: 'an option outside its list',
    cmd: Run,
    argv: ['traces/seqwrite-plug.none', '--policy', 'none', '--mode', 'bogus'],
    exit: 2,
    code: 'USAGE',
    says: /--mode=bogus/,
  },
  {
    what: 'a flag that does not exist',
    cmd: Run,
    argv: ['traces/seqwrite-plug.none', '--policy', 'none', '--no-such-flag'],
    exit: 2,
    code: 'USAGE',
    says: /--no-such-flag/,
  },
  {
    what: 'a missing required flag',
    cmd: Run,
    argv: ['traces/seqwrite-plug.none'],
    exit: 2,
    code: 'USAGE',
    says: /required flag policy/,
  },
  {
    what: 'a trace that does not exist',
    cmd: Inspect,
    argv: ['traces/no-such-trace'],
    exit: 3,
    code: 'INPUT_NOT_FOUND',
    says: /traces\/no-such-trace: no such file/,
  },
] as const;

describe('failures: one line, the exit code of the table, and a JSON error document under --json', () => {
  for (const c of cases) {
    it(`${c.what}: exit ${c.exit}`, async () => {
      const run = await runCommandClass(c.cmd, [...c.argv]);
      expect(run.exitCode).toBe(c.exit);
      const said = lines(printed(spies.err));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/^ufq-replay: /);
      expect(said[0]).toMatch(c.says);
      expect(lines(printed(spies.out))).toHaveLength(0);
    });

    it(`${c.what}, --json: exit ${c.exit} and {"error": {"code": "${c.code}"}}`, async () => {
      const run = await runCommandClass(c.cmd, [...c.argv, '--json']);
      expect(run.exitCode).toBe(c.exit);
      const doc = JSON.parse(printed(spies.out));
      expect(doc.error.code).toBe(c.code);
      expect(doc.error.exit).toBe(c.exit);
      expect(doc.error.message).toMatch(c.says.source.startsWith('traces') ? /no such file/ : c.says);
      // stderr still says it, for a person watching a script.
      expect(lines(printed(spies.err))).toHaveLength(1);
    });
  }
});
