// PFQ's registry entry (ufq-model §6 item 1: PFQ runs only with the rev-3 kernel rules).
import { describe, expect, it } from 'vitest';
import { builtinPolicies, getPolicy } from '../../src/policies/registry.js';

describe('registry (ufq-model §0.1, §6)', () => {
  it('pfq is built in, its ops named pfq_ebpf, and it needs UFQ rev-3', () => {
    expect(getPolicy('pfq')?.name).toBe('pfq_ebpf');
    expect(builtinPolicies().find((p) => p.name === 'pfq')?.requiresRevision).toBe(3);
  });
});
