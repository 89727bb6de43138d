// Loading a user's policy file: JavaScript and TypeScript, a policy split over files, the
// helper library shared with the elevator, and the checks on the default export (ufq-model
// §3.1: only `name` is required, name[16]) with POLICY_INVALID naming file and member.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UfqReplayError } from '../../src/errors.js';
import { KFUNC_HOST } from '../../src/policies/lib/index.js';
import { isPolicyFile, loadPolicyFile, UFQ_HOOK_NAMES } from '../../src/replay/user-policy.js';

const FIXTURES = new URL('../fixtures/policies/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'user-policy-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function policyFile(name: string, text: string): string {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
}

async function loadError(file: string): Promise<UfqReplayError> {
  const e = await loadPolicyFile(file).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UfqReplayError);
  return e as UfqReplayError;
}

describe('isPolicyFile', () => {
  it('built-in names and aliases are not files; paths and script extensions are', () => {
    for (const name of ['none', 'ufq_simple', 'simple', 'mq-deadline', 'deadline', 'pfq'])
      expect(isPolicyFile(name)).toBe(false);
    for (const name of ['./fifo.mjs', 'fifo.js', 'fifo.ts', 'policies/fifo', 'C:\\p\\fifo.mts'])
      expect(isPolicyFile(name)).toBe(true);
    expect(isPolicyFile('no-such-builtin')).toBe(false);
  });
});

describe('loadPolicyFile', () => {
  it('loads an .mjs policy whose helpers come from a second file', async () => {
    const ops = await loadPolicyFile(`${FIXTURES}throw-dispatch.mjs`);
    expect(ops.name).toBe('throw_dispatch');
    for (const hook of ['insert_req', 'dispatch_req', 'has_req', 'finish_req'] as const)
      expect(typeof ops[hook]).toBe('function');
  });

  it('transpiles a .ts policy in process', async () => {
    const ops = await loadPolicyFile(`${FIXTURES}throw-finish.ts`);
    expect(ops.name).toBe('throw_finish');
    expect(typeof ops.finish_req).toBe('function');
  });

  it("points 'ufq-replay/policy' at the library the elevator uses (one kfunc host)", async () => {
    const f = policyFile(
      'host.mjs',
      "import { KFUNC_HOST } from 'ufq-replay/policy';\nexport default { name: 'host', dump: () => ({ host: KFUNC_HOST }) };\n",
    );
    const ops = await loadPolicyFile(f);
    expect(ops.dump?.().host).toBe(KFUNC_HOST);
  });

  it('loads a fresh copy each time (module state starts over)', async () => {
    const f = policyFile(
      'count.mjs',
      "let n = 0;\nexport default { name: 'count', dump: () => ({ n: ++n }) };\n",
    );
    const a = await loadPolicyFile(f);
    const b = await loadPolicyFile(f);
    expect(a.dump?.().n).toBe(1);
    expect(b.dump?.().n).toBe(1);
  });

  it('accepts a 15-character name (name[16]) and null members', async () => {
    const f = policyFile(
      'ok.mjs',
      "export default { name: 'abcdefghijklmno', merge_req: null, has_req: undefined };\n",
    );
    expect((await loadPolicyFile(f)).name).toBe('abcdefghijklmno');
  });

  it('a missing file is POLICY_NOT_FOUND (exit 2), naming the file', async () => {
    const e = await loadError(join(tmp, 'nope.mjs'));
    expect(e.code).toBe('POLICY_NOT_FOUND');
    expect(e.exitCode).toBe(2);
    expect(e.file).toBe(join(tmp, 'nope.mjs'));
  });

  it.each([
    ['no default export', 'export const name = "x";\n', undefined],
    ['a function as default export', 'export default function () {}\n', undefined],
    ['no name', 'export default { insert_req() { return 0; } };\n', 'name'],
    ['an empty name', "export default { name: '' };\n", 'name'],
    ['a 16-character name', "export default { name: 'abcdefghijklmnop' };\n", 'name'],
    [
      'an unknown member',
      "export default { name: 'x', insert_request() { return 0; } };\n",
      'insert_request',
    ],
    ['a hook that is not a function', "export default { name: 'x', has_req: true };\n", 'has_req'],
  ])('%s is POLICY_INVALID (exit 3) naming the file and member', async (what, text, member) => {
    const f = policyFile(`${what.replace(/\W+/g, '-')}.mjs`, text);
    const e = await loadError(f);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.exitCode).toBe(3);
    expect(e.file).toBe(f);
    if (member !== undefined) expect(e.message).toContain(`'${member}'`);
  });

  it('a syntax error is POLICY_INVALID with its line', async () => {
    const f = policyFile('syntax.ts', "const a: number = 1;\nexport default { name: 'x', };;\nfunction (\n");
    const e = await loadError(f);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.line).toBe(3);
  });

  it('a module that throws while loading is POLICY_INVALID', async () => {
    const f = policyFile('throws.mjs', "throw new Error('no');\nexport default { name: 'x' };\n");
    expect((await loadError(f)).code).toBe('POLICY_INVALID');
  });

  it('every member of struct ufq_iosched_ops is a known hook (ufq-model §3.1, both revisions)', () => {
    const rev1 = [
      'init_sched',
      'insert_req',
      'exit_sched',
      'has_req',
      'req_merged',
      'finish_req',
      'merge_req',
    ];
    const rev1b = ['find_req_from_sector', 'former_req', 'next_req', 'dispatch_req'];
    const rev3 = [
      'init_sched',
      'exit_sched',
      'has_req',
      'insert_req',
      'finish_req',
      'merge_req',
      'merge_bio',
    ];
    for (const hook of [...rev1, ...rev1b, ...rev3, 'dispatch_req'])
      expect(UFQ_HOOK_NAMES as readonly string[]).toContain(hook);
  });
});
