import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import Profiles, { type ProfileListEntry } from '../../src/commands/profiles/index.js';
import ProfilesShow from '../../src/commands/profiles/show.js';
import type { DeviceProfile } from '../../src/device/profile.js';
import { runCommandClass } from '../helpers/run-command.js';

const dir = mkdtempSync(join(tmpdir(), 'ufq-profiles-cmd-'));

// oclif prints through console.log; keep what it prints
let printed: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  printed = vi.spyOn(console, 'log').mockImplementation(() => {});
  return () => printed.mockRestore();
});
const output = () => printed.mock.calls.map((c) => c.join(' ')).join('\n');

describe('ufq-replay profiles', () => {
  it('lists the built-ins, one line each', async () => {
    const r = await runCommandClass<ProfileListEntry[]>(Profiles, []);
    expect(r.exitCode).toBe(0);
    const lines = output().trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['hdd-7200', 'sata-ssd', 'nvme', 'loop-virtio']);
    expect(lines[0]).toMatch(/^hdd-7200\s+hdd\s+datasheet\s+\S/);
  });

  it('--json returns name, type, origin and description of each', async () => {
    const r = await runCommandClass<ProfileListEntry[]>(Profiles, ['--json']);
    expect(r.exitCode).toBe(0);
    expect(r.result?.find((p) => p.name === 'loop-virtio')).toMatchObject({ type: 'ssd', origin: 'fitted' });
    expect(JSON.parse(output())).toEqual(r.result);
  });
});

describe('ufq-replay profiles show', () => {
  it('NAME: every parameter with value, unit and source', async () => {
    const r = await runCommandClass<DeviceProfile>(ProfilesShow, ['hdd-7200']);
    expect(r.exitCode).toBe(0);
    expect(output()).toMatch(/^hdd-7200 \(hdd, origin: datasheet/);
    expect(output()).toMatch(/avgSeekMs\s+8\s+ms\s+7K8 datasheet: average seek 8 ms/);
    expect(output()).toMatch(/rpm\s+7200\s+rev\/min/);
  });

  it('NAME --json prints the profile itself', async () => {
    const r = await runCommandClass<DeviceProfile>(ProfilesShow, ['nvme', '--json']);
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(output()) as DeviceProfile;
    expect(json.type).toBe('nvme');
    expect(json).toEqual(r.result);
  });

  it('FILE: a valid profile file is shown', async () => {
    const shown = await runCommandClass<DeviceProfile>(ProfilesShow, ['sata-ssd', '--json']);
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ ...shown.result, name: 'mine', readLatencyUs: 60 }));
    printed.mockClear();
    const r = await runCommandClass<DeviceProfile>(ProfilesShow, [file]);
    expect(r.exitCode).toBe(0);
    expect(output()).toMatch(/^mine \(ssd/);
    expect(output()).toMatch(/readLatencyUs\s+60\s+µs/);
  });

  it('a bad file exits 3 with PROFILE_INVALID and the field paths', async () => {
    const file = join(dir, 'bad.json');
    const shown = await runCommandClass<DeviceProfile>(ProfilesShow, ['hdd-7200', '--json']);
    writeFileSync(file, JSON.stringify({ ...shown.result, rpm: 'fast', ncqWindow: -2 }));
    const r = await runCommandClass(ProfilesShow, [file]);
    expect(r.exitCode).toBe(3);
    expect(r.error?.code).toBe('PROFILE_INVALID');
    expect(r.error?.message).toContain(file);
    expect(r.error?.message).toContain('rpm:');
    expect(r.error?.message).toContain('ncqWindow:');
  });

  it('an unknown name exits 3 with PROFILE_NOT_FOUND', async () => {
    const r = await runCommandClass(ProfilesShow, ['hdd-9000']);
    expect(r.exitCode).toBe(3);
    expect(r.error?.code).toBe('PROFILE_NOT_FOUND');
  });
});
