// Replaying a trace whose bios the kernel split (traces/bigio-split.mq-deadline): the model
// cuts each bio where the trace's X events say the kernel cut it, so the simulated queue
// dispatches as many requests as the kernel did (btt's #D for the capture). The kernel's cuts
// here follow the data's memory segments (1 MiB bios cut in two 516 KiB halves under a
// 1280 KiB max_sectors_kb), which the model's own limits cannot know.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/replay/replay.js';
import { parseBttAvg } from '../helpers/btt-avg.js';
import { expectRunInvariants } from './invariants.js';

const TRACE = 'traces/bigio-split.mq-deadline';
const btt = parseBttAvg(readFileSync(`${TRACE}.btt.avg`, 'utf8'));

describe('recorded splits', () => {
  it("the replay dispatches btt's #D requests, none merged, every bio completed", async () => {
    const out = await simulate({ trace: TRACE, policy: 'mq-deadline', device: 'loop-virtio' });
    expectRunInvariants(out);
    expect(out.result.merges.d).toBe(btt.merges[0].d);
    expect(out.result.conservation.queued).toBe(300);
  });

  it('with --max-sectors-kb the limits alone cut (the recorded cuts belong to the recorded limit)', async () => {
    const out = await simulate({
      trace: TRACE,
      policy: 'mq-deadline',
      device: 'loop-virtio',
      limits: { max_sectors_kb: 1280 },
    });
    expectRunInvariants(out);
    // Only bios over 1280 KiB are cut by the limit: fewer requests than the kernel made.
    expect(out.result.merges.d).toBeLessThan(btt.merges[0].d);
    expect(out.result.merges.d).toBeGreaterThan(300);
  });
});
