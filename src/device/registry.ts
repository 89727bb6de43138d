// Finds a device profile by built-in name or file path, parses and validates it, and turns
// every problem into one coded error (PROFILE_NOT_FOUND, PROFILE_INVALID) naming the file and
// each bad field's path. Built-ins are JSON files bundled with the code, validated on first
// use (a bad built-in is a bug, not a user error). Models are built elsewhere (model.ts).
import { readFileSync, statSync } from 'node:fs';
import { InvariantError, UfqReplayError } from '../errors.js';
import type { DeviceProfile, ProfileProblem } from './profile.js';
import { validateProfile } from './profile.js';
import hdd7200 from './profiles/hdd-7200.json' with { type: 'json' };
import loopVirtio from './profiles/loop-virtio.json' with { type: 'json' };
import nvme from './profiles/nvme.json' with { type: 'json' };
import sataSsd from './profiles/sata-ssd.json' with { type: 'json' };

/** Built-in profiles, in the order `profiles` lists them. */
const BUILTIN_JSON: readonly unknown[] = [hdd7200, sataSsd, nvme, loopVirtio];

/** Problems listed in an error message before "and N more". */
const MESSAGE_PROBLEMS_MAX = 8;

let builtins: readonly DeviceProfile[] | undefined;

/** The built-in profiles, validated. Throws InvariantError if one is invalid (a bug). */
export function builtinProfiles(): readonly DeviceProfile[] {
  if (builtins === undefined) {
    builtins = BUILTIN_JSON.map((json) => {
      const problems = validateProfile(json);
      if (problems.length > 0)
        throw new InvariantError(
          `built-in profile ${(json as { name?: string }).name}: ${formatProblems(problems, problems.length)}`,
        );
      return Object.freeze(json as DeviceProfile);
    });
  }
  return builtins;
}

export function builtinProfileNames(): string[] {
  return builtinProfiles().map((p) => p.name);
}

/** A profile that failed validation: the coded error plus every problem with its path. */
export class ProfileInvalidError extends UfqReplayError {
  constructor(
    readonly problems: readonly ProfileProblem[],
    file: string | undefined,
    hint?: string,
  ) {
    super('PROFILE_INVALID', `invalid device profile: ${formatProblems(problems, MESSAGE_PROBLEMS_MAX)}`, {
      file,
      hint:
        hint ??
        'fix the fields named above; `ufq-replay profiles show hdd-7200 --json` prints a valid example',
    });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

function formatProblems(problems: readonly ProfileProblem[], max: number): string {
  const shown = problems.slice(0, max).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  if (problems.length > max) shown.push(`and ${problems.length - max} more`);
  return shown.join('; ');
}

/**
 * Validates `value` (already parsed JSON) as a profile; `file` names it in errors.
 * Throws PROFILE_INVALID listing every problem.
 */
export function parseProfile(value: unknown, file?: string): DeviceProfile {
  const problems = validateProfile(value);
  if (problems.length > 0) throw new ProfileInvalidError(problems, file);
  return value as DeviceProfile;
}

/** 1-based line of character offset `pos` in `text`. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses profile JSON text from `file`. Throws PROFILE_INVALID (bad JSON: with its line). */
export function parseProfileText(text: string, file: string): DeviceProfile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg);
    throw new UfqReplayError('PROFILE_INVALID', `not valid JSON: ${msg}`, {
      file,
      line: pos ? lineOf(text, Number(pos[1])) : undefined,
      hint: 'a device profile is one JSON object; see docs/device-profiles.md',
      cause: err,
    });
  }
  return parseProfile(value, file);
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || s.endsWith('.json');
}

/**
 * A built-in profile by name, or a profile file. A bare name that is not built in is tried
 * as a file too. Throws PROFILE_NOT_FOUND (with the built-in names as hint) or PROFILE_INVALID.
 */
export function loadProfile(nameOrFile: string): DeviceProfile {
  if (!looksLikePath(nameOrFile)) {
    const p = builtinProfiles().find((b) => b.name === nameOrFile);
    if (p) return p;
  }
  let text: string;
  try {
    if (!statSync(nameOrFile).isFile()) throw new Error('not a file');
    text = readFileSync(nameOrFile, 'utf8');
  } catch (err) {
    throw new UfqReplayError(
      'PROFILE_NOT_FOUND',
      looksLikePath(nameOrFile)
        ? 'device profile file not found or unreadable'
        : `no built-in device profile or file named "${nameOrFile}"`,
      {
        file: nameOrFile,
        hint: `built-in profiles: ${builtinProfileNames().join(', ')}; or give a JSON file path`,
        cause: err,
      },
    );
  }
  return parseProfileText(text, nameOrFile);
}
