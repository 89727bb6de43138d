import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parameterFields, validateProfile } from '../../src/device/profile.js';
import { builtinProfiles } from '../../src/device/registry.js';

const BUILTINS = builtinProfiles();

function clone<T>(v: T): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

/** Every (profile index, numeric parameter key) pair of the built-ins. */
const NUMERIC = BUILTINS.flatMap((p, i) =>
  parameterFields(p.type)
    .filter(
      (f) =>
        (f.kind === 'number' || f.kind === 'integer') &&
        (p as unknown as Record<string, unknown>)[f.key] !== undefined,
    )
    .map((f) => [i, f.key] as const),
);

const paths = (v: unknown): string[] => validateProfile(v).map((p) => p.path);

describe('profile validator', () => {
  it('accepts every built-in profile', () => {
    for (const p of BUILTINS) expect(validateProfile(clone(p))).toEqual([]);
  });

  test.prop([fc.constantFrom(...NUMERIC), fc.string()])(
    'a numeric parameter turned into a string is reported at its path',
    ([i, key], s) => {
      const bad = clone(BUILTINS[i]);
      bad[key] = s;
      expect(paths(bad)).toContain(key);
    },
  );

  test.prop([fc.constantFrom(...NUMERIC), fc.double({ max: -Number.MIN_VALUE, noNaN: true })])(
    'a negative numeric parameter is reported at its path',
    ([i, key], v) => {
      const bad = clone(BUILTINS[i]);
      bad[key] = v;
      expect(paths(bad)).toContain(key);
    },
  );

  test.prop([
    fc.uniqueArray(fc.constantFrom(...NUMERIC.filter(([i]) => i === 0).map(([, k]) => k)), { minLength: 2 }),
  ])('every bad field is reported, not only the first', (keys) => {
    const bad = clone(BUILTINS[0]);
    for (const k of keys) bad[k] = 'x';
    const got = paths(bad);
    for (const k of keys) expect(got).toContain(k);
  });

  it('reports missing, unknown and mistyped fields with their paths', () => {
    const bad = clone(BUILTINS.find((p) => p.type === 'ssd'));
    delete bad.readLatencyUs;
    bad.readLatncyUs = 40;
    bad.queueDepth = 32.5;
    bad.rotational = 'no';
    bad.writeCache = 'write-back';
    expect(paths(bad).sort()).toEqual([
      'queueDepth',
      'readLatencyUs',
      'readLatncyUs',
      'rotational',
      'writeCache',
    ]);
  });

  it('checks the source block: origin, references, per-parameter citations', () => {
    const bad = clone(BUILTINS[0]);
    bad.source = {
      origin: 'guess',
      references: ['ok', 3],
      params: { rpm: 'fine', rmp: 'typo', seek: 7 },
      extra: 1,
    };
    expect(paths(bad).sort()).toEqual([
      'source.extra',
      'source.origin',
      'source.params.rmp',
      'source.params.seek',
      'source.params.seek',
      'source.references[1]',
    ]);
  });

  it('checks relations between fields (devices-metrics §2.2 seek fit; NCQ window)', () => {
    const hdd = clone(BUILTINS.find((p) => p.type === 'hdd'));
    hdd.avgSeekMs = 20;
    hdd.ncqWindow = 64;
    hdd.mediaRateIdMBps = 300;
    expect(paths(hdd).sort()).toEqual(['avgSeekMs', 'mediaRateIdMBps', 'ncqWindow']);
    const ssd = clone(BUILTINS.find((p) => p.type === 'ssd'));
    ssd.writeBufferKiB = 8;
    expect(paths(ssd)).toEqual(['writeBufferKiB']);
  });

  it('rejects an unknown type and a non-object', () => {
    expect(paths({ ...clone(BUILTINS[0]), type: 'tape' })).toEqual(['type']);
    expect(paths([])).toEqual(['']);
    expect(paths('hdd')).toEqual(['']);
  });

  it('accepts the smallest null and fixed profiles', () => {
    const base = {
      name: 'n',
      description: 'd',
      source: { origin: 'assumed' },
      queueDepth: 1,
      nrHwQueues: 1,
      rotational: false,
    };
    expect(validateProfile({ ...base, type: 'null', latencyNs: 0 })).toEqual([]);
    expect(
      validateProfile({
        ...base,
        type: 'fixed',
        readLatencyUs: 1,
        writeLatencyUs: 1,
        flushLatencyUs: 1,
        discardLatencyUs: 1,
        writeCache: 'none',
        fua: false,
      }),
    ).toEqual([]);
  });
});
