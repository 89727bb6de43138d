import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterFields } from '../../src/device/profile.js';
import {
  builtinProfileNames,
  builtinProfiles,
  loadProfile,
  ProfileInvalidError,
} from '../../src/device/registry.js';
import { UfqReplayError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-profiles-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function thrown(fn: () => unknown): UfqReplayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UfqReplayError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('profile registry', () => {
  it('ships the built-ins the docs name', () => {
    expect(builtinProfileNames()).toEqual(['hdd-7200', 'sata-ssd', 'nvme', 'loop-virtio']);
  });

  it('every built-in parameter cites where its value comes from', () => {
    for (const p of builtinProfiles()) {
      const cites = p.source.params ?? {};
      for (const f of parameterFields(p.type)) {
        if ((p as unknown as Record<string, unknown>)[f.key] === undefined) continue;
        expect(cites[f.key], `${p.name}.${f.key}`).toMatch(/\S/);
      }
    }
  });

  it('loads a built-in by name and a file by path', () => {
    expect(loadProfile('nvme').type).toBe('nvme');
    const copy = { ...loadProfile('hdd-7200'), name: 'my-disk' };
    const p = file('my-disk.json', JSON.stringify(copy));
    expect(loadProfile(p).name).toBe('my-disk');
  });

  it('PROFILE_NOT_FOUND for an unknown name or a missing file, with the built-ins as hint', () => {
    const e = thrown(() => loadProfile('hdd-9000'));
    expect(e.code).toBe('PROFILE_NOT_FOUND');
    expect(e.exitCode).toBe(3);
    expect(e.hint).toContain('hdd-7200');
    expect(thrown(() => loadProfile(join(dir, 'nope.json'))).code).toBe('PROFILE_NOT_FOUND');
  });

  it('PROFILE_INVALID for malformed JSON, with the line where parsing failed', () => {
    const p = file('broken.json', '{\n  "name": "x",\n  "type": "hdd",\n}\n');
    const e = thrown(() => loadProfile(p));
    expect(e.code).toBe('PROFILE_INVALID');
    expect(e.file).toBe(p);
    expect(e.line).toBe(4);
  });

  it('PROFILE_INVALID lists every bad field with its path', () => {
    const bad = { ...loadProfile('sata-ssd'), readLatencyUs: -1, channels: 'eight' };
    const p = file('bad.json', JSON.stringify(bad));
    const e = thrown(() => loadProfile(p));
    expect(e).toBeInstanceOf(ProfileInvalidError);
    expect(e.code).toBe('PROFILE_INVALID');
    expect(e.exitCode).toBe(3);
    expect((e as ProfileInvalidError).problems.map((x) => x.path).sort()).toEqual([
      'channels',
      'readLatencyUs',
    ]);
    expect(e.message).toContain('readLatencyUs');
    expect(e.message).toContain('channels');
    expect((e.toJSON().problems as unknown[]).length).toBe(2);
  });
});
