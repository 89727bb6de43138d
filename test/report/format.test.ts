// The report's number formats: unit by magnitude, three significant digits, no locale.
import { describe, expect, it } from 'vitest';
import {
  escapeCell,
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  markdownTable,
} from '../../src/report/format.js';

describe('report formats', () => {
  it('durations take the unit that keeps three significant digits under 1000', () => {
    expect(formatDuration(0)).toBe('0 ns');
    expect(formatDuration(999)).toBe('999 ns');
    expect(formatDuration(1000)).toBe('1.00 µs');
    expect(formatDuration(12_345)).toBe('12.3 µs');
    expect(formatDuration(999_600)).toBe('1.00 ms');
    expect(formatDuration(4_560_000)).toBe('4.56 ms');
    expect(formatDuration(999_999_999)).toBe('1.00 s');
    expect(formatDuration(12.3456e9)).toBe('12.3 s');
  });

  it('counts and rates group thousands with commas', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(15359)).toBe('15,359');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatRate(5810.29, 0)).toBe('5,810');
    expect(formatRate(251.44, 1)).toBe('251.4');
    expect(formatRate(Number.NaN)).toBe('-');
  });

  it('bytes in decimal units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_536_016)).toBe('1.54 MB');
    expect(formatBytes(999_999)).toBe('1.00 MB');
  });

  it('Markdown tables escape pipes and align numbers right', () => {
    expect(markdownTable(['a', 'n'], 'lr', [['x|y', '1']])).toBe('| a | n |\n|---|--:|\n| x\\|y | 1 |');
    expect(escapeCell('one\ntwo')).toBe('one two');
  });
});
