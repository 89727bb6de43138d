// oclif commands print through console.log and console.error: these spies keep test output
// clean and let a test read what a command printed, one beforeEach per file.
import { beforeEach, type MockInstance, vi } from 'vitest';

export interface ConsoleSpies {
  out: MockInstance<(...args: unknown[]) => void>;
  err: MockInstance<(...args: unknown[]) => void>;
}

/** Silences console.log and console.error around every test of the calling file. */
export function spyConsole(): ConsoleSpies {
  const spies = {} as ConsoleSpies;
  beforeEach(() => {
    spies.out = vi.spyOn(console, 'log').mockImplementation(() => {});
    spies.err = vi.spyOn(console, 'error').mockImplementation(() => {});
    return () => {
      spies.out.mockRestore();
      spies.err.mockRestore();
    };
  });
  return spies;
}

/** Everything a spy was called with, one call per line. */
export function printed(spy: MockInstance<(...args: unknown[]) => void>): string {
  return spy.mock.calls.map((c) => c.join(' ')).join('\n');
}
