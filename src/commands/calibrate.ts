// `ufq-replay calibrate TRACE... --out profile.json`: fits a device profile to the traces' D→C
// times, tests it on the last fifth of each trace, writes the profile and prints how well it
// fits. Reads meta.json beside each trace for rotational, scheduler and nr_requests. The
// fitting lives in src/device/calibrate.
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  type CalibrationReport,
  calibrate,
  MIN_REQUESTS,
  requestCount,
} from '../device/calibrate/calibrate.js';
import type { CalibrationType } from '../device/calibrate/device-type.js';
import { readTraceRequests } from '../device/calibrate/load.js';
import { hintsFromMeta, readMetaDoc } from '../device/calibrate/meta-hints.js';
import { renderCalibration } from '../device/calibrate/render.js';
import { UfqReplayError } from '../errors.js';
import { findTraceMeta } from '../replay/trace-meta.js';
import { BaseCommand } from './base-command.js';

export interface CalibrateResult extends Omit<CalibrationReport, 'figures'> {
  /** The profile file written. */
  out: string;
  figures: CalibrationReport['figures'];
}

export default class Calibrate extends BaseCommand {
  static override summary = 'Fit a device profile to the D and C events of traces.';

  static override description =
    `Pairs each trace's events, takes the device's requests (D→C times), and fits the device model: idle-device requests give service time by operation and size (and by seek distance on a disk), a fast cluster of reads gives a cache-hit ratio, and busy periods give the parallelism (or the NCQ window) by Little's law. The first four fifths of each trace (by time) are fitted; the last fifth is replayed at its recorded D times through the fitted model and its simulated D2C compared with the recorded one: error at p50, p90 and p99, the demerit figure and the Kolmogorov-Smirnov statistic.

--type auto picks the disk model only when idle random requests take at least 2 ms and far seeks cost more than near ones; queue/rotational from meta.json is not trusted for this (virtual disks report 1). See docs/device-profiles.md, "Calibration".`;

  static override examples = [
    {
      command: '<%= config.bin %> calibrate traces/seq-vs-rand.none --out loop.json',
      description: 'Fit a profile and print the hold-out figures.',
    },
    {
      command: '<%= config.bin %> run traces/seq-vs-rand.mq-deadline --policy mq-deadline --device loop.json',
      description: 'Replay another trace of the same device against it.',
    },
  ];

  static override strict = false;

  static override args = {
    trace: Args.string({
      required: true,
      description: 'Trace(s) of one device: blktrace base names, or files in a format with D and C events.',
    }),
  };

  static override flags = {
    out: Flags.string({ required: true, description: 'Profile file to write (JSON).' }),
    type: Flags.string({
      options: ['auto', 'hdd', 'ssd', 'nvme'],
      default: 'auto',
      description: 'Model to fit; auto decides from the data.',
    }),
    name: Flags.string({ description: 'Profile name (default: the --out file name without .json).' }),
    format: Flags.string({ description: 'Read the traces as this format instead of detecting it.' }),
  };

  async run(): Promise<CalibrateResult> {
    const { argv, flags } = await this.parse(Calibrate);
    const traces = [];
    for (const name of argv as string[]) {
      const hints = hintsFromMeta(await readMetaDoc(await findTraceMeta(name)));
      const label = basename(name).replace(/\.(blktrace\.\d+|blkparse\.txt|tp\.txt)(\.gz)?$/, '');
      traces.push((await readTraceRequests(name, { format: flags.format, hints, label })).trace);
    }
    const n = requestCount(traces);
    if (n < MIN_REQUESTS)
      throw new UfqReplayError(
        'CALIBRATE_NO_REQUESTS',
        `${n} requests with both a D and a C event; calibration needs at least ${MIN_REQUESTS}`,
        {
          file: (argv as string[]).join(', '),
          hint: 'calibrate needs blktrace, blkparse or block tracepoint traces with issue (D) and complete (C) events',
        },
      );
    const report = calibrate(traces, {
      type: flags.type as CalibrationType,
      name: flags.name ?? basename(flags.out).replace(/\.json$/, ''),
      toolVersion: this.config.version,
    });
    try {
      await writeFile(flags.out, `${JSON.stringify(report.profile, null, 2)}\n`);
    } catch (e) {
      throw new UfqReplayError('OUTPUT_UNWRITABLE', 'cannot write the profile', {
        file: flags.out,
        cause: e,
      });
    }
    if (!this.jsonEnabled() && !flags.quiet) this.log(renderCalibration(report, flags.out));
    return { ...report, out: flags.out };
  }
}
