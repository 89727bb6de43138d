// src/device/profile.schema.json is what users' editors check profiles against; it must say
// what the validator enforces. This compares the two field by field.
import { describe, expect, it } from 'vitest';
import { COMMON_FIELDS, type DeviceType, type FieldSpec, TYPE_FIELDS } from '../../src/device/profile.js';
import schema from '../../src/device/profile.schema.json' with { type: 'json' };

interface PropSchema {
  type?: string;
  enum?: string[];
  const?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}
interface TypeSchema {
  required: string[];
  additionalProperties: boolean;
  properties: Record<string, PropSchema>;
}
const defs = schema.definitions as unknown as Record<string, TypeSchema>;

function jsonType(f: FieldSpec): string {
  return f.kind === 'enum' ? 'string' : f.kind;
}

describe('profile.schema.json', () => {
  const cases: [string, DeviceType][] = [
    ['hdd', 'hdd'],
    ['ssd', 'ssd'],
    ['ssd', 'nvme'],
    ['fixed', 'fixed'],
    ['null', 'null'],
  ];
  it.each(cases)('definition %s matches the validator table for type %s', (def, type) => {
    const d = defs[def];
    const fields = [...COMMON_FIELDS, ...TYPE_FIELDS[type]];
    expect(d.additionalProperties).toBe(false);
    expect(Object.keys(d.properties).sort()).toEqual(
      ['$schema', 'source', ...fields.map((f) => f.key)].sort(),
    );
    expect([...d.required].sort()).toEqual(
      ['source', ...fields.filter((f) => !f.optional).map((f) => f.key)].sort(),
    );
    for (const f of fields) {
      const p = d.properties[f.key];
      if (f.key === 'type') {
        expect(p.const === type || p.enum?.includes(type)).toBe(true);
        continue;
      }
      expect(p.type, f.key).toBe(jsonType(f));
      expect(p.minimum, f.key).toBe(f.min);
      expect(p.exclusiveMinimum, f.key).toBe(f.above);
      expect(p.maximum, f.key).toBe(f.max);
      if (f.kind === 'enum') expect(p.enum, f.key).toEqual(f.values);
    }
  });

  it('offers one definition per model class', () => {
    expect(schema.oneOf.map((o) => o.$ref).sort()).toEqual(
      ['#/definitions/fixed', '#/definitions/hdd', '#/definitions/null', '#/definitions/ssd'].sort(),
    );
  });
});
