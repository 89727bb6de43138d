// Unit conversions shared by the device models. Profiles state times in ms/µs/ns and rates
// in MB/s (10^6 B/s, as CONTRACTS.md defines MB); the engine counts integer nanoseconds.

export const NS_PER_US = 1_000;
export const NS_PER_MS = 1_000_000;
export const SECTOR_BYTES = 512;
export const KIB = 1024;

/** Nanoseconds to move one byte at `mbps` MB/s (10^6 B/s): 10^9 / (mbps · 10^6) = 1000 / mbps. */
export function nsPerByte(mbps: number): number {
  return 1000 / mbps;
}
