// The bytes that identify an Arrow IPC file or stream (Arrow columnar format, "IPC
// Streaming Format" and "IPC File Format"; apache-arrow ipc/message.ts MAGIC). Sniffing
// only: reading is apache-arrow's job.

/** `ARROW1`: the first six bytes of the file form (followed by two padding bytes). */
export const ARROW_FILE_MAGIC = Uint8Array.of(0x41, 0x52, 0x52, 0x4f, 0x57, 0x31);

/** Continuation marker that starts every message of the stream form since Arrow 0.15. */
export const ARROW_CONTINUATION = 0xffffffff;

/** Largest schema message length we accept at the start of a stream (bytes; a sanity bound). */
const MAX_SCHEMA_BYTES = 16 * 1024 * 1024;

export function isArrowFile(head: Uint8Array): boolean {
  if (head.length < ARROW_FILE_MAGIC.length) return false;
  for (let i = 0; i < ARROW_FILE_MAGIC.length; i++) if (head[i] !== ARROW_FILE_MAGIC[i]) return false;
  return true;
}

/** Stream form: 0xFFFFFFFF, then a positive little-endian int32 metadata length. */
export function isArrowStream(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const v = new DataView(head.buffer, head.byteOffset, 8);
  if (v.getUint32(0, true) !== ARROW_CONTINUATION) return false;
  const len = v.getInt32(4, true);
  return len > 0 && len < MAX_SCHEMA_BYTES;
}
