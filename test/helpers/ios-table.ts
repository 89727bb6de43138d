// Shared by the read-back tests of `convert --ios` (CSV and Arrow): writing the table through
// the command, and the columns a re-read table must give back row by row.
import { vi } from 'vitest';
import Convert from '../../src/commands/convert.js';
import type { PairResult } from '../../src/trace/pair.js';
import { runCommandClass } from './run-command.js';

/** `convert TRACE --ios --to FORMAT --out OUT`, quiet even outside a test (from beforeAll). */
export async function convertIos(trace: string, to: 'csv' | 'arrow', out: string): Promise<void> {
  const quiet = [
    vi.spyOn(console, 'log').mockImplementation(() => {}),
    vi.spyOn(console, 'error').mockImplementation(() => {}),
  ];
  try {
    const run = await runCommandClass(Convert, [trace, '--ios', '--to', to, '--out', out]);
    if (run.error) throw run.error;
  } finally {
    for (const s of quiet) s.mockRestore();
  }
}

/** The columns the I/O table keeps through the event model, row by row. */
export function ioRows(p: PairResult) {
  const t = p.ios;
  return Array.from({ length: t.length }, (_, i) => ({
    tQ: t.tQ[i],
    tC: t.tC[i],
    op: t.op[i],
    sector: t.sector[i],
    bytes: t.bytes[i],
    pid: t.pid[i],
    comm: p.strings.get(t.comm[i]),
  }));
}

/** The other columns the event model carries, which a re-read table keeps too. */
export const KEPT_COLUMNS = ['dev', 'flags', 'cpu', 'ioprio', 'error'] as const;
