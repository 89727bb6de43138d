// The blktrace magic word, record versions, byte order and header layouts (trace-formats
// §1.3, §1.12). Deciding the byte order and version of a file happens here, once, on its first
// record; this module knows nothing of actions, PDUs or events.

/** Top 24 bits of every record's first word (include/uapi/linux/blktrace_api.h). */
export const BLK_IO_TRACE_MAGIC = 0x65617400;
/** The magic part of the first word; the low 8 bits are the version. */
export const MAGIC_MASK = 0xffffff00;
/** `struct blk_io_trace`, 48-byte header (trace-formats §1.3). */
export const VERSION_7 = 0x07;
/** `struct blk_io_trace2`, 64-byte header, provisional (trace-formats §1.12). */
export const VERSION_8 = 0x08;

/** Byte offsets of the header fields of one record version. */
export interface RecordLayout {
  readonly version: number;
  /** Header size in bytes; the PDU follows it. */
  readonly headerBytes: number;
  readonly sequence: number;
  readonly time: number;
  readonly sector: number;
  readonly bytes: number;
  readonly action: number;
  /** 4 (u32 action, v7) or 8 (u64 action, v8). */
  readonly actionBytes: number;
  readonly pid: number;
  readonly device: number;
  readonly cpu: number;
  readonly error: number;
  readonly pduLen: number;
}

export const LAYOUT_V7: RecordLayout = {
  version: VERSION_7,
  headerBytes: 48,
  sequence: 4,
  time: 8,
  sector: 16,
  bytes: 24,
  action: 28,
  actionBytes: 4,
  pid: 32,
  device: 36,
  cpu: 40,
  error: 44,
  pduLen: 46,
};

/** v8 swaps pid and action, widens action to u64 and pads the header to 64 bytes. */
export const LAYOUT_V8: RecordLayout = {
  version: VERSION_8,
  headerBytes: 64,
  sequence: 4,
  time: 8,
  sector: 16,
  bytes: 24,
  pid: 28,
  action: 32,
  actionBytes: 8,
  device: 40,
  cpu: 44,
  error: 48,
  pduLen: 50,
};

/** The layout of a supported version, or undefined. */
export function layoutOf(version: number): RecordLayout | undefined {
  if (version === VERSION_7) return LAYOUT_V7;
  if (version === VERSION_8) return LAYOUT_V8;
  return undefined;
}

/** What the first four bytes of a file say. */
export type StartCheck =
  | { kind: 'ok'; littleEndian: boolean; version: number }
  | { kind: 'bad-version'; littleEndian: boolean; version: number }
  | { kind: 'bad-magic'; word: number }
  | { kind: 'short' };

/**
 * Reads the magic word at `offset` in both byte orders, as blkparse, btt and fio decide it:
 * whichever order puts 0x656174 in the top 24 bits is the file's order (trace-formats §1.3).
 */
export function checkStart(bytes: Uint8Array, offset = 0): StartCheck {
  if (bytes.length - offset < 4) return { kind: 'short' };
  const le =
    (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
  const be =
    ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
  for (const [word, littleEndian] of [
    [le, true],
    [be, false],
  ] as const) {
    if ((word & MAGIC_MASK) >>> 0 !== BLK_IO_TRACE_MAGIC) continue;
    const version = word & 0xff;
    return layoutOf(version)
      ? { kind: 'ok', littleEndian, version }
      : { kind: 'bad-version', littleEndian, version };
  }
  return { kind: 'bad-magic', word: le };
}

/**
 * True when the four bytes at `offset` are the magic of `version` in the given byte order.
 * Used on every record after the first, and to resynchronise after a framing error.
 */
export function isMagicAt(
  bytes: Uint8Array,
  offset: number,
  littleEndian: boolean,
  version: number,
): boolean {
  // Little-endian files start a record with `07 74 61 65`, big-endian ones with `65 61 74 07`.
  return littleEndian
    ? bytes[offset] === version &&
        bytes[offset + 1] === 0x74 &&
        bytes[offset + 2] === 0x61 &&
        bytes[offset + 3] === 0x65
    : bytes[offset] === 0x65 &&
        bytes[offset + 1] === 0x61 &&
        bytes[offset + 2] === 0x74 &&
        bytes[offset + 3] === version;
}

/** Sniffing confidence for the format registry (trace-formats §7 item 1). */
export function sniffBlktrace(head: Uint8Array): number {
  const c = checkStart(head);
  if (c.kind !== 'ok') return 0;
  // v8 is provisional: a little less sure, so that a forced --format can still win.
  return c.version === VERSION_7 ? 0.99 : 0.9;
}
