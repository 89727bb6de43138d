// One replay as a unit of work that can cross a thread boundary: plain, structured-cloneable
// options in, the run result and its notes out. The same function runs in a worker process
// (replay-worker.ts) and in-process (--jobs 1), so the bytes cannot depend on where it ran.
// When asked, the simulated I/Os are written to an Arrow file here, next to the replay, so the
// table never has to travel back to the main thread.
import { type ReplayOptions, simulate } from '../replay/replay.js';
import type { RunResult } from '../replay/result.js';
import { writeIosArrow } from '../trace/arrow/writer.js';

export interface ReplayTask {
  /** Everything but the note callback, which cannot cross a thread. */
  options: Omit<ReplayOptions, 'onNote'>;
  /** Write the simulated I/Os here (Arrow file, one row per I/O). */
  requestsPath?: string;
  /** Recorded in the Arrow file's metadata. */
  toolVersion?: string;
}

export interface ReplayTaskResult {
  result: RunResult;
  /** The one-line notes the replay would have printed, in order. */
  notes: string[];
}

export async function runReplayTask(task: ReplayTask): Promise<ReplayTaskResult> {
  const notes: string[] = [];
  const out = await simulate({ ...task.options, onNote: (line) => notes.push(line) });
  if (task.requestsPath !== undefined)
    await writeIosArrow(out.ios, out.strings, out.info, task.requestsPath, {
      toolVersion: task.toolVersion,
      flushes: out.flushes,
    });
  return { result: out.result, notes };
}
