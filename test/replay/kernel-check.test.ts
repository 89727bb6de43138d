// The replay against what the kernel did: traces/seqwrite-plug.none (4 KiB sequential direct
// writes submitted in batches; the plug merged them) replayed under `none`, closed-loop, with
// the queue limits of its meta.json. The simulated merge ratio #Q/#D must be within 5% of the
// recorded one, which is read from btt's own .btt.avg for the capture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { parseBttAvg } from '../helpers/btt-avg.js';
import { expectRunInvariants } from './invariants.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;
const TRACE = `${TRACES}seqwrite-plug.none`;

describe('kernel check: seqwrite-plug.none under none, closed-loop', () => {
  it('simulated merge ratio #Q/#D is within 5% of btt', async () => {
    const btt = parseBttAvg(readFileSync(`${TRACE}.btt.avg`, 'utf8'));
    const real = btt.merges[0];
    const out = await simulate({ trace: TRACE, policy: 'none', mode: 'closed', device: 'loop-virtio' });
    const r = out.result;
    expect(r.limitsFrom.nr_requests).toBe('meta.json');
    expect(r.limitsFrom.max_sectors_kb).toBe('meta.json');
    expect(r.plugging.windows).toBe('trace');
    // Every bio btt counted is replayed (no requeues in this capture: #Q is Q events).
    expect(r.merges.q).toBe(real.q);
    const realRatio = real.q / real.d;
    expect(Math.abs(r.merges.ratio - realRatio) / realRatio).toBeLessThan(0.05);
    expectRunInvariants(out);
  });

  it('the same inputs give byte-identical JSON, twice in one process', async () => {
    const opts = { trace: TRACE, policy: 'simple', mode: 'closed' as const, device: 'loop-virtio', seed: 7 };
    const a = JSON.stringify((await simulate(opts)).result);
    const b = JSON.stringify((await simulate(opts)).result);
    expect(a).toBe(b);
  });
});
