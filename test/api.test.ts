// The scripting API as a script imports it: replay, compare, readTrace and loadProfile from
// the package entry, with results in the shapes of the JSON contract.
import { describe, expect, it } from 'vitest';
import { compare, loadProfile, readTrace, replay } from '../src/index.js';

const TRACE = new URL('../traces/seq-vs-rand.none', import.meta.url).pathname;

describe('scripting API', () => {
  it('a fifo_batch sweep through compare gives one run per value, each equal to replay()', async () => {
    const profile = loadProfile('loop-virtio');
    expect(profile.name).toBe('loop-virtio');
    const batches = [1, 64];
    const runs = await compare({
      traces: [TRACE],
      policies: batches.map((fifo_batch) => ({ name: 'mq-deadline', params: { fifo_batch } })),
      devices: [profile.name],
      jobs: 1,
    });
    expect(runs.map((r) => r.policyParams)).toEqual([{ fifo_batch: 1 }, { fifo_batch: 64 }]);
    const direct = await replay({
      trace: TRACE,
      policy: 'mq-deadline',
      device: 'loop-virtio',
      policyParams: { fifo_batch: 64 },
    });
    expect(runs[1]).toEqual(direct);
    // readTrace sees the same I/Os the replays replayed.
    const t = await readTrace(TRACE);
    expect(t.ios.length).toBe(runs[0].ios);
  });
});
