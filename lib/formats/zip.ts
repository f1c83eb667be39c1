/**
 * Just enough ZIP for XLSX: read the entries of a small archive (ExcelJS's workbook without its
 * data rows) and write an archive whose entries are copied as they are (already deflated),
 * deflated from a stream of text while it is produced, or stored (PNGs). No ZIP64: an entry above 4 GiB fails
 * with a clear error instead of writing a broken file.
 */
import { crc32, createDeflateRaw, inflateRawSync } from "node:zlib";
import type { Writable } from "node:stream";

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  dosTime: number;
  dosDate: number;
  /** the entry's bytes as stored in the archive (compressed when method is 8) */
  data: Uint8Array;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const DESCRIPTOR = 0x08074b50;
const MAX_32 = 0xffffffff;

/** An entry's modification time as ZIP writes it (MS-DOS date and time, 2 s steps). */
export interface DosTime {
  dosTime: number;
  dosDate: number;
}

/**
 * `date` as a ZIP entry's time, read in UTC: the same instant gives the same bytes in every time
 * zone (ZIP's time names no zone). Years before 1980, which it cannot hold, are 1980-01-01.
 */
export function dosTimeOf(date: Date): DosTime {
  if (date.getUTCFullYear() < 1980) return { dosTime: 0, dosDate: (1 << 5) | 1 };
  return {
    dosTime: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) |
      (date.getUTCSeconds() >> 1),
    dosDate: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) |
      date.getUTCDate(),
  };
}

/** The entries of an archive held in memory, in central-directory order. */
export function readZipEntries(archive: Uint8Array): ZipEntry[] {
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  let end = archive.byteLength - 22;
  while (end >= 0 && view.getUint32(end, true) !== END) end--;
  if (end < 0) throw new Error("not a ZIP archive (no end of central directory)");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== CENTRAL) throw new Error("ZIP central directory is damaged");
    const method = view.getUint16(at + 10, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localAt = view.getUint32(at + 42, true);
    const compressedSize = view.getUint32(at + 20, true);
    const name = decoder.decode(archive.subarray(at + 46, at + 46 + nameLength));
    const localName = view.getUint16(localAt + 26, true);
    const localExtra = view.getUint16(localAt + 28, true);
    const dataAt = localAt + 30 + localName + localExtra;
    entries.push({
      name,
      method,
      crc: view.getUint32(at + 16, true),
      compressedSize,
      size: view.getUint32(at + 24, true),
      dosTime: view.getUint16(at + 12, true),
      dosDate: view.getUint16(at + 14, true),
      data: archive.subarray(dataAt, dataAt + compressedSize),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An entry's uncompressed bytes. */
export function entryBytes(entry: ZipEntry): Uint8Array {
  if (entry.method === 0) return entry.data;
  return new Uint8Array(inflateRawSync(entry.data));
}

interface Written {
  name: Uint8Array;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  dosTime: number;
  dosDate: number;
  offset: number;
}

/** Why `stream` takes nothing more (its error, or that it was closed), or null while it does. */
function streamFailure(stream: Writable): Error | null {
  if (stream.errored) return stream.errored;
  return stream.destroyed
    ? new Error("the stream was closed before everything was written to it")
    : null;
}

/**
 * Resolves once `stream` takes more ('drain'); rejects with its error when it fails or closes
 * first. A stream that failed earlier (a full disk: its 'error' went to whoever listened then,
 * and it was destroyed) never drains: `once(stream, "drain")` waited on it forever, and the
 * export hung with its files half-written.
 */
export function whenDrained(stream: Writable): Promise<void> {
  const failed = streamFailure(stream);
  if (failed) return Promise.reject(failed);
  return new Promise((resolve, reject) => {
    const settle = (error?: Error | null) => {
      stream.off("drain", onDrain);
      stream.off("error", settle);
      stream.off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(streamFailure(stream));
    stream.on("drain", onDrain);
    stream.on("error", settle);
    stream.on("close", onClose);
  });
}

/** Writes an archive to a stream, entry by entry; `finish()` writes the central directory. */
export class ZipWriter {
  #out: Writable;
  #offset = 0;
  #written: Written[] = [];
  #encoder = new TextEncoder();

  constructor(out: Writable) {
    this.#out = out;
  }

  async #write(bytes: Uint8Array): Promise<void> {
    this.#offset += bytes.byteLength;
    // (a stream that failed already takes nothing: a write to it is dropped, and no drain comes)
    const failed = streamFailure(this.#out);
    if (failed) throw failed;
    if (!this.#out.write(bytes)) await whenDrained(this.#out);
  }

  #localHeader(entry: Written): Uint8Array {
    const header = new Uint8Array(30 + entry.name.byteLength);
    const view = new DataView(header.buffer);
    view.setUint32(0, LOCAL, true);
    view.setUint16(4, 20, true); // version needed: 2.0 (deflate)
    view.setUint16(6, entry.flags, true);
    view.setUint16(8, entry.method, true);
    view.setUint16(10, entry.dosTime, true);
    view.setUint16(12, entry.dosDate, true);
    view.setUint32(14, entry.crc, true);
    view.setUint32(18, entry.compressedSize, true);
    view.setUint32(22, entry.size, true);
    view.setUint16(26, entry.name.byteLength, true);
    header.set(entry.name, 30);
    return header;
  }

  /** Copies an entry read from another archive, bytes untouched. */
  async copy(entry: ZipEntry): Promise<void> {
    const written: Written = {
      name: this.#encoder.encode(entry.name),
      method: entry.method,
      flags: 0x0800, // UTF-8 names
      crc: entry.crc,
      compressedSize: entry.compressedSize,
      size: entry.size,
      dosTime: entry.dosTime,
      dosDate: entry.dosDate,
      offset: this.#offset,
    };
    await this.#write(this.#localHeader(written));
    await this.#write(entry.data);
    this.#written.push(written);
  }

  /** Stores bytes uncompressed (PNGs are compressed already). */
  async store(
    name: string,
    bytes: Uint8Array,
    options: { dosTime: number; dosDate: number },
  ): Promise<void> {
    if (bytes.byteLength > MAX_32) {
      throw new Error(`${name} is larger than 4 GiB, which needs ZIP64 (not supported)`);
    }
    const written: Written = {
      name: this.#encoder.encode(name),
      method: 0,
      flags: 0x0800, // UTF-8 names
      crc: crc32(bytes) >>> 0,
      compressedSize: bytes.byteLength,
      size: bytes.byteLength,
      dosTime: options.dosTime,
      dosDate: options.dosDate,
      offset: this.#offset,
    };
    await this.#write(this.#localHeader(written));
    await this.#write(bytes);
    this.#written.push(written);
  }

  /**
   * Deflates chunks of text (or its UTF-8) into one entry as they come (sizes and CRC follow in a data
   * descriptor). Deno's node:zlib compresses on the calling thread, inside write(), not on a thread
   * pool as Node's does: the deflate adds to this thread's time (stop 48: ~0.5 of the ~1.15
   * CPU-seconds of a 100k-row sheet). Its output does depend on how the input is cut: the
   * callers' chunk sizes are part of the archive's bytes.
   */
  async deflate(
    name: string,
    chunks: Iterable<string | Uint8Array>,
    options: { dosTime: number; dosDate: number; level?: number },
  ): Promise<void> {
    const written: Written = {
      name: this.#encoder.encode(name),
      method: 8,
      flags: 0x0808, // sizes in a data descriptor; UTF-8 names
      crc: 0,
      compressedSize: 0,
      size: 0,
      dosTime: options.dosTime,
      dosDate: options.dosDate,
      offset: this.#offset,
    };
    await this.#write(this.#localHeader(written));
    const deflater = createDeflateRaw({ level: options.level ?? 6 });
    const drained = (async () => {
      for await (const out of deflater) {
        written.compressedSize += out.byteLength;
        await this.#write(out);
      }
    })();
    let crc = 0;
    let size = 0;
    try {
      for (const chunk of chunks) {
        const bytes = typeof chunk === "string" ? this.#encoder.encode(chunk) : chunk;
        crc = crc32(bytes, crc);
        size += bytes.byteLength;
        // (when the archive's stream fails, the loop above ends and destroys the deflater: its
        // drain never comes, and the stream's failure is `drained`'s, thrown below)
        if (!deflater.write(bytes)) await whenDrained(deflater);
      }
    } finally {
      deflater.end();
      await drained;
    }
    if (size > MAX_32 || written.compressedSize > MAX_32) {
      throw new Error(`${name} is larger than 4 GiB, which needs ZIP64 (not supported)`);
    }
    written.crc = crc >>> 0;
    written.size = size;
    const descriptor = new Uint8Array(16);
    const view = new DataView(descriptor.buffer);
    view.setUint32(0, DESCRIPTOR, true);
    view.setUint32(4, written.crc, true);
    view.setUint32(8, written.compressedSize, true);
    view.setUint32(12, written.size, true);
    await this.#write(descriptor);
    this.#written.push(written);
  }

  /** The central directory and its end record. */
  async finish(): Promise<void> {
    const start = this.#offset;
    for (const entry of this.#written) {
      const record = new Uint8Array(46 + entry.name.byteLength);
      const view = new DataView(record.buffer);
      view.setUint32(0, CENTRAL, true);
      view.setUint16(4, 20, true); // made by: 2.0
      view.setUint16(6, 20, true);
      view.setUint16(8, entry.flags, true);
      view.setUint16(10, entry.method, true);
      view.setUint16(12, entry.dosTime, true);
      view.setUint16(14, entry.dosDate, true);
      view.setUint32(16, entry.crc, true);
      view.setUint32(20, entry.compressedSize, true);
      view.setUint32(24, entry.size, true);
      view.setUint16(28, entry.name.byteLength, true);
      view.setUint32(42, entry.offset, true);
      record.set(entry.name, 46);
      await this.#write(record);
    }
    if (this.#offset > MAX_32) throw new Error("archive is larger than 4 GiB (ZIP64 unsupported)");
    const end = new Uint8Array(22);
    const view = new DataView(end.buffer);
    view.setUint32(0, END, true);
    view.setUint16(8, this.#written.length, true);
    view.setUint16(10, this.#written.length, true);
    view.setUint32(12, this.#offset - start, true);
    view.setUint32(16, start, true);
    await this.#write(end);
  }
}
