// Input files as byte streams: gzip detected by content (1f 8b), a head sample for
// format sniffing, and line splitters for the text formats (ByteLines hands out byte ranges,
// textLines strings). Knows no trace format.
import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { UfqReplayError } from '../errors.js';

/** How many decompressed bytes sniffing looks at. */
export const HEAD_BYTES = 64 * 1024;

/** One input file, decompressed transparently. */
export interface InputFile {
  /** The path as the user (or name resolution) gave it. */
  readonly path: string;
  /** True when the file is gzip-compressed (by content, not by name). */
  readonly gzip: boolean;
  /** On-disk size in bytes (compressed size for .gz). */
  readonly size: number;
  /** The first HEAD_BYTES decompressed bytes (fewer for a short file). */
  readonly head: Uint8Array;
  /** A fresh stream of the decompressed bytes, from the start. */
  chunks(): AsyncIterable<Uint8Array>;
  /**
   * Uncompressed files only: reads the file from the start into buffers the caller supplies,
   * so that a reader can refill one buffer instead of receiving a fresh one per chunk.
   */
  openReader?(): Promise<ByteReader>;
}

/** Sequential reads of one file into caller-supplied buffers. */
export interface ByteReader {
  /** Fills `into` from the current position; returns the bytes read, 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  /** Releases the file; safe to call more than once. */
  close(): Promise<void>;
}

/** Bytes per chunk read from a file, and the decompressor's output chunk size. */
const CHUNK_BYTES = 1 << 20;

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Opens `path` for reading; throws INPUT_NOT_FOUND / INPUT_UNREADABLE / GZIP_CORRUPT. */
export async function openInput(path: string): Promise<InputFile> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile())
      throw new UfqReplayError('INPUT_UNREADABLE', 'not a regular file', {
        file: path,
        hint: 'name a trace file, a blktrace base name or a directory',
      });
    size = st.size;
  } catch (e) {
    if (e instanceof UfqReplayError) throw e;
    throw new UfqReplayError('INPUT_NOT_FOUND', 'no such file', {
      file: path,
      hint: 'check the path; a blktrace base name NAME reads NAME.blktrace.*',
      cause: e,
    });
  }
  const raw = await readPrefix(path, HEAD_BYTES);
  const gzip = isGzip(raw);
  const head = gzip ? await gunzipHead(path) : raw;
  const file: InputFile = { path, gzip, size, head, chunks: () => streamFile(path, gzip) };
  if (!gzip) file.openReader = () => openByteReader(path);
  return file;
}

/** Bytes per chunk when reading into a caller's buffer (as CHUNK_BYTES). */
export const READ_BYTES = CHUNK_BYTES;

/**
 * Reads ahead: while the caller decodes one chunk, the next is already being read into a
 * spare buffer on libuv's thread pool, so the main thread never sits idle waiting for the
 * kernel's copy (about 0.1 s per 150 MB when each read was awaited in turn). Handing a chunk
 * over costs one copy between buffers that are both in cache.
 */
async function openByteReader(path: string): Promise<ByteReader> {
  let fh: Awaited<ReturnType<typeof openFile>> | undefined;
  try {
    fh = await openFile(path, 'r');
  } catch (e) {
    throw new UfqReplayError('INPUT_UNREADABLE', 'cannot open the file for reading', {
      file: path,
      hint: 'check the file permissions',
      cause: e,
    });
  }
  /** File offset of the next read issued. */
  let position = 0;
  /** The read under way into `spare`, and what is left of the last one. */
  let ahead: Promise<number> | undefined;
  const spare = new Uint8Array(CHUNK_BYTES);
  let spareFrom = 0;
  let spareTo = 0;
  const readAt = async (into: Uint8Array): Promise<number> => {
    const h = fh;
    if (!h) return 0;
    const at = position;
    try {
      const { bytesRead } = await h.read(into, 0, into.length, at);
      return bytesRead;
    } catch (e) {
      throw new UfqReplayError('INPUT_UNREADABLE', 'read error', {
        file: path,
        offset: at,
        hint: 'the file could not be read to its end; check the disk and the file',
        cause: e,
      });
    }
  };
  const readAhead = () => {
    const p = readAt(spare);
    // A failed read-ahead is reported when its bytes are asked for, not as an unhandled rejection.
    p.catch(() => {});
    ahead = p;
    position += spare.length;
  };
  return {
    async read(into: Uint8Array): Promise<number> {
      if (!fh || into.length === 0) return 0;
      if (spareFrom === spareTo && ahead === undefined) {
        // First read: straight into the caller's buffer, then start reading ahead.
        const n = await readAt(into);
        position += n;
        if (n === into.length) readAhead();
        return n;
      }
      if (spareFrom === spareTo && ahead !== undefined) {
        const n = await ahead;
        ahead = undefined;
        // A short read is the end of the file: position goes back to where it really is.
        position -= spare.length - n;
        spareFrom = 0;
        spareTo = n;
        if (n === 0) return 0;
      }
      const n = Math.min(into.length, spareTo - spareFrom);
      into.set(spare.subarray(spareFrom, spareFrom + n));
      spareFrom += n;
      if (spareFrom === spareTo && spareTo === spare.length) readAhead();
      return n;
    },
    async close(): Promise<void> {
      const h = fh;
      fh = undefined;
      await ahead?.catch(() => 0);
      await h?.close();
    },
  };
}

async function readPrefix(path: string, n: number): Promise<Uint8Array> {
  const fh = await openFile(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The first HEAD_BYTES of a gzip file's content, tolerating a truncated stream. */
async function gunzipHead(path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of streamFile(path, true)) {
      parts.push(chunk);
      total += chunk.length;
      if (total >= HEAD_BYTES) break;
    }
  } catch (e) {
    if (total === 0) {
      // A tiny or corrupt file: try the sync path for a precise error.
      try {
        return gunzipSync(await readPrefix(path, HEAD_BYTES)).subarray(0, HEAD_BYTES);
      } catch {
        throw new UfqReplayError('GZIP_CORRUPT', 'gzip data could not be decompressed', {
          file: path,
          offset: 0,
          hint: 'the file starts with the gzip magic but is corrupt; try gunzip -t',
          cause: e,
        });
      }
    }
  }
  return concat(parts, Math.min(total, HEAD_BYTES));
}

async function* streamFile(path: string, gzip: boolean): AsyncIterable<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (!gzip) {
    for await (const c of file) yield c as Uint8Array;
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  file.pipe(gunzip);
  file.on('error', (e) => gunzip.destroy(e));
  try {
    for await (const c of gunzip) yield c as Uint8Array;
  } catch (e) {
    // A truncated gzip stream ("unexpected end of file"): what was decompressed so far was
    // yielded; the reader sees a short stream and reports truncation in its own terms.
    const code = (e as { code?: string }).code;
    if (code !== 'Z_BUF_ERROR') {
      throw new UfqReplayError('GZIP_CORRUPT', `gzip data is corrupt (${code ?? 'error'})`, {
        file: path,
        hint: 'try gunzip -t on the file',
        cause: e,
      });
    }
  } finally {
    file.destroy();
  }
}

/** Concatenates byte chunks into one array of length `n` (at most the total). */
export function concat(parts: Uint8Array[], n?: number): Uint8Array {
  const total = n ?? parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    if (o >= total) break;
    const take = Math.min(p.length, total - o);
    out.set(take === p.length ? p : p.subarray(0, take), o);
    o += take;
  }
  return out;
}

/** The first `max` lines of a head sample (a partial last line is dropped unless alone). */
export function headLines(head: Uint8Array, max = 50): string[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const lines = text.split('\n');
  if (lines.length > 1 && head.length >= HEAD_BYTES) lines.pop();
  return lines.slice(0, max).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Splits a byte stream into lines (without the newline or a trailing CR), yielding arrays of
 * lines per input chunk. `lineNo` of the first line of each yielded group is 1-based.
 */
export async function* textLines(
  chunks: AsyncIterable<Uint8Array>,
): AsyncIterable<{ lines: string[]; firstLineNo: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let lineNo = 1;
  for await (const chunk of chunks) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    if (lines.length > 0) {
      yield { lines, firstLineNo: lineNo };
      lineNo += lines.length;
    }
  }
  carry += decoder.decode();
  if (carry.length > 0) {
    if (carry.charCodeAt(carry.length - 1) === 13) carry = carry.slice(0, -1);
    yield { lines: [carry], firstLineNo: lineNo };
  }
}

/** Bytes of a UTF-8 byte-order mark, which TextDecoder drops at the start of a stream. */
const BOM = [0xef, 0xbb, 0xbf];
/** ByteLines.bom once the start of the stream has been checked. */
const BOM_DONE = -1;
const LF = 10;
const CR = 13;

/**
 * Splits a byte stream into lines without making strings: after push(chunk), each next()
 * that returns true leaves one line in buf[start, end) (no newline, no trailing CR), valid
 * until the following next() or push(). A line cut by a chunk boundary is joined in a
 * reused carry buffer. After the last chunk, finish() hands out a final line that has no
 * newline. Like textLines, a leading UTF-8 byte-order mark is dropped.
 */
export class ByteLines {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** 1-based number of the line last handed out; after finish(), the count of lines. */
  lineNo = 0;
  private chunk: Buffer = Buffer.alloc(0);
  /** The same bytes as a plain Uint8Array: decoders then only ever see one array type. */
  private bytes: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private carry = new Uint8Array(256);
  private carryLen = 0;
  /** Bytes of a leading byte-order mark matched so far, or BOM_DONE. */
  private bom = 0;

  /** Hands over the next chunk; the previous one must have been drained by next(). */
  push(chunk: Uint8Array): void {
    // Buffer's indexOf is a native byte search, several times faster than a JS loop.
    this.chunk = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    this.pos = 0;
    if (this.bom !== BOM_DONE) this.skipBom();
  }

  /** Moves to the next complete line of the current chunk; false when it has none left. */
  next(): boolean {
    const c = this.chunk;
    const from = this.pos;
    if (from >= c.length) return false;
    const nl = c.indexOf(LF, from);
    if (nl < 0) {
      this.keep(c, from, c.length);
      this.pos = c.length;
      return false;
    }
    this.pos = nl + 1;
    if (this.carryLen > 0) {
      this.keep(c, from, nl);
      this.emit(this.carry, 0, this.carryLen);
      this.carryLen = 0;
    } else this.emit(this.bytes, from, nl);
    return true;
  }

  /** After the last chunk: true when bytes follow the last newline (they are the final line). */
  finish(): boolean {
    if (this.bom !== BOM_DONE) this.restoreBom(this.bom);
    if (this.carryLen === 0) return false;
    this.emit(this.carry, 0, this.carryLen);
    this.carryLen = 0;
    return true;
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end > start && buf[end - 1] === CR ? end - 1 : end;
    this.lineNo++;
  }

  /** Appends c[from, to) to the carry buffer, growing it when needed. */
  private keep(c: Uint8Array, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(c.subarray(from, to), this.carryLen);
    this.carryLen = need;
  }

  /** Skips a byte-order mark at the start of the stream, also when it straddles chunks. */
  private skipBom(): void {
    const c = this.chunk;
    let p = 0;
    while (this.bom < BOM.length && p < c.length && c[p] === BOM[this.bom]) {
      this.bom++;
      p++;
    }
    if (this.bom === BOM.length) this.bom = BOM_DONE;
    else if (p < c.length) {
      // Not a mark after all: its bytes taken from earlier chunks are text again.
      this.restoreBom(this.bom - p);
      p = 0;
    }
    this.pos = p;
  }

  /** Puts back the first `n` mark bytes taken from earlier chunks, and stops looking. */
  private restoreBom(n: number): void {
    if (n > 0) this.keep(Uint8Array.from(BOM), 0, n);
    this.bom = BOM_DONE;
  }
}
