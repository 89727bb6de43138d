// Policies loaded with parameters (replay's policyParams): values reach the policy instance in
// sysfs units, are recorded in the result, and wrong names or kinds are usage errors.
import { describe, expect, it } from 'vitest';
import { DD_PARAMS_DEFAULT, type DdOps } from '../../src/policies/mq-deadline/index.js';
import { policyWithParams } from '../../src/replay/policy-params.js';
import { replay } from '../../src/replay/replay.js';

const TRACE = new URL('../../traces/seq-vs-rand.none', import.meta.url).pathname;

describe('policyWithParams', () => {
  it('mq-deadline gets fifo_batch; the other attributes keep the kernel defaults', () => {
    const ops = policyWithParams('deadline', { fifo_batch: 8 }) as DdOps;
    expect(ops.params.fifo_batch).toBe(8);
    // block/mq-deadline.c: read_expire HZ/2 = 500 ms, writes_starved 2.
    expect(ops.params.read_expire).toBe(500);
    expect(ops.params.writes_starved).toBe(2);
    expect(DD_PARAMS_DEFAULT.fifo_batch).toBe(16);
  });

  it('unknown parameters, wrong kinds and parameterless policies are FLAG_INVALID', () => {
    expect(() => policyWithParams('mq-deadline', { fifo_bach: 8 })).toThrow(
      expect.objectContaining({ code: 'FLAG_INVALID' }),
    );
    expect(() => policyWithParams('mq-deadline', { fifo_batch: ['x'] })).toThrow(
      expect.objectContaining({ code: 'FLAG_INVALID' }),
    );
    expect(() => policyWithParams('none', { x: 1 })).toThrow(
      expect.objectContaining({ code: 'FLAG_INVALID' }),
    );
    expect(() => policyWithParams('nope', {})).toThrow(expect.objectContaining({ code: 'POLICY_NOT_FOUND' }));
  });

  it('replay records the parameters it was given, and nothing when none were', async () => {
    const withParams = await replay({
      trace: TRACE,
      policy: 'mq-deadline',
      device: 'loop-virtio',
      policyParams: { fifo_batch: 1 },
    });
    expect(withParams.policyParams).toEqual({ fifo_batch: 1 });
    const plain = await replay({ trace: TRACE, policy: 'mq-deadline', device: 'loop-virtio' });
    expect('policyParams' in plain).toBe(false);
  });
});
