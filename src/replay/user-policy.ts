// Loading a user's policy file (`--policy ./my_policy.ts`): an ES module whose default export
// is a hook table (ufq/ops.ts UfqOps). The file is bundled in process with esbuild (TypeScript
// and JavaScript alike), its import of the helper library (`ufq-replay/policy`) is pointed at
// the library this process runs, so the policy shares the kfunc host with the elevator, and the
// bundle is imported from a private temporary directory. The export is then checked the way
// the kernel checks a struct_ops map, a little more strictly: a name, and only known hooks.
// Running the hooks, and ejecting a policy that misbehaves, is ufq/elevator.ts's job.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { UfqReplayError } from '../errors.js';
import { getPolicyInfo, policyNames } from '../policies/registry.js';
import type { UfqHookName, UfqOps } from '../ufq/ops.js';

/** The import specifier a policy file uses for the helper library (package.json `exports`). */
export const POLICY_LIB_SPECIFIER = 'ufq-replay/policy';

/** Every hook a table may have, in struct ufq_iosched_ops order, then the proposed extension. */
export const UFQ_HOOK_NAMES = [
  'init_sched',
  'exit_sched',
  'insert_req',
  'dispatch_req',
  'has_req',
  'finish_req',
  'merge_req',
  'merge_bio',
  'find_req_from_sector',
  'former_req',
  'next_req',
  'req_merged',
  'limit_depth',
] as const satisfies readonly UfqHookName[];

// A hook added to UfqOps and not listed above fails to compile here.
type UnlistedHook = Exclude<UfqHookName, (typeof UFQ_HOOK_NAMES)[number]>;
const ALL_HOOKS_LISTED: [UnlistedHook] extends [never] ? true : false = true;
void ALL_HOOKS_LISTED;

/** struct ufq_iosched_ops name[16]: at most 15 characters and the terminating NUL. */
const POLICY_NAME_MAX = 15;

/** Members a table may have besides its hooks. */
const OTHER_MEMBERS = ['name', 'dump'] as const;
const KNOWN_MEMBERS: ReadonlySet<string> = new Set<string>([...OTHER_MEMBERS, ...UFQ_HOOK_NAMES]);

/** Extensions read as a policy file; anything else that is not a built-in name is not one. */
const POLICY_EXTENSIONS = /\.(?:[cm]?js|[cm]?ts)$/;

/**
 * True when `policy` names a file rather than a built-in: it is not a built-in name and it has
 * a path separator or a JavaScript or TypeScript extension.
 */
export function isPolicyFile(policy: string): boolean {
  if (getPolicyInfo(policy) !== undefined) return false;
  return policy.includes('/') || policy.includes('\\') || POLICY_EXTENSIONS.test(policy);
}

/**
 * The URL the library specifier is rewritten to. Run from src/ (tsx, vitest) it is the
 * library's TypeScript source; run from dist/ it is the built `policy-lib.js` entry beside this
 * chunk. Either way it is the module instance the elevator's own policies import.
 */
export function policyLibUrl(): string {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../policies/lib/index.ts', here).href
    : new URL('./policy-lib.js', here).href;
}

const libPlugin = (): Plugin => ({
  name: 'ufq-replay-policy-lib',
  setup(b) {
    const url = policyLibUrl();
    b.onResolve({ filter: /^ufq-replay\/policy(?:\.js)?$/ }, () => ({ path: url, external: true }));
  },
});

/**
 * Loads, bundles and validates a policy file. POLICY_NOT_FOUND (exit 2) when there is no such
 * file; POLICY_INVALID (exit 3) when it does not compile, fails while loading, or its default
 * export is not a valid hook table. Each call loads a fresh copy (fresh module state).
 */
export async function loadPolicyFile(file: string): Promise<UfqOps> {
  const abs = resolve(file);
  const st = await stat(abs).catch(() => null);
  if (st === null || !st.isFile())
    throw new UfqReplayError('POLICY_NOT_FOUND', `no policy file ${file}`, {
      file,
      hint: `give a .js, .mjs or .ts file, or a built-in policy: ${policyNames().join(', ')}`,
    });
  const code = await bundle(abs, file);
  const dir = await mkdtemp(join(tmpdir(), 'ufq-replay-policy-'));
  const tmp = join(dir, `${basename(abs, extname(abs))}.mjs`);
  let mod: { default?: unknown };
  try {
    await writeFile(tmp, code);
    mod = (await import(pathToFileURL(tmp).href)) as { default?: unknown };
  } catch (e) {
    throw new UfqReplayError('POLICY_INVALID', `loading the policy failed: ${errText(e)}`, {
      file,
      hint: 'the module threw while it was evaluated; run it with --debug for the stack',
      cause: e,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return validatePolicy(mod.default, file);
}

// One ES module with the policy's own imports inlined; node: built-ins and the helper library
// stay imports. The banner gives bundled CommonJS dependencies a `require`.
async function bundle(abs: string, file: string): Promise<string> {
  // esbuild is loaded only when a policy file is, so other commands start without it.
  const { build } = await import('esbuild');
  try {
    const out = await build({
      entryPoints: [abs],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [libPlugin()],
      banner: {
        js: "import { createRequire as __ufqCreateRequire } from 'node:module'; const require = __ufqCreateRequire(import.meta.url);",
      },
    });
    return out.outputFiles[0].text;
  } catch (e) {
    const first = (e as { errors?: Message[] }).errors?.[0];
    const where = first?.location;
    throw new UfqReplayError('POLICY_INVALID', `cannot compile the policy: ${first?.text ?? errText(e)}`, {
      file: where?.file ? where.file : file,
      line: where?.line,
      hint: `a policy is an ES module; import the helpers from '${POLICY_LIB_SPECIFIER}'`,
      cause: e,
    });
  }
}

/**
 * Checks a policy module's default export: an object with a non-empty `name` of at most 15
 * characters, and no member but the UFQ hooks and `dump`, each a function (null or undefined
 * count as absent, like a NULL member in C). POLICY_INVALID names the file and the member.
 */
export function validatePolicy(value: unknown, file: string): UfqOps {
  const fail = (what: string, hint: string) => new UfqReplayError('POLICY_INVALID', what, { file, hint });
  const shape = "export default { name: 'my_policy', insert_req, dispatch_req, ... }";
  if (value === undefined) throw fail('the module has no default export', shape);
  if (typeof value !== 'object' || value === null)
    throw fail(
      `the default export is ${value === null ? 'null' : `a ${typeof value}`}, not a hook table`,
      shape,
    );
  const table = value as Record<string, unknown>;
  const name = table.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > POLICY_NAME_MAX)
    throw fail(
      `member 'name' must be a string of 1 to ${POLICY_NAME_MAX} characters, found ${describe(name)}`,
      'the kernel keeps the name in a 16-byte field (name[16])',
    );
  for (const key of Object.keys(table))
    if (!KNOWN_MEMBERS.has(key))
      throw fail(`member '${key}' is not a UFQ hook`, `members: ${[...KNOWN_MEMBERS].join(', ')}`);
  for (const key of [...UFQ_HOOK_NAMES, 'dump'] as const) {
    const v = table[key];
    if (v !== undefined && v !== null && typeof v !== 'function')
      throw fail(
        `member '${key}' is ${describe(v)}, not a function`,
        'leave a hook out to get the kernel default',
      );
  }
  return value as UfqOps;
}

function describe(v: unknown): string {
  if (typeof v === 'string')
    return `'${v.length > 20 ? `${v.slice(0, 20)}...` : v}' (${v.length} characters)`;
  return v === null ? 'null' : `a ${typeof v}`;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
