/**
 * The export CSV written slice by slice, with the brief's trimmed CSV from the same formatting
 * pass, and fed either by its own slicing (writeCsvWithSubset) or by another writer's slices (the
 * XLSX writer's, so in a CSV + XLSX export each slice leaves Polars once for both files).
 */
import type pl from "nodejs-polars";
import { open, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { exportTypedColumns, SLICE_ROWS, type TypedColumn } from "./cells.ts";
import { csvHeader, csvLineBytes, keepMask } from "./csv.ts";
import { tempPathFor } from "./files.ts";

export interface CsvWithSubset {
  bytes: number;
  subset: { path: string; bytes: number; rows: number };
}

export interface CsvFilesOptions {
  path: string;
  subsetPath: string;
  /** the rows of the subset file (null = left out, as Polars' filter reads it) */
  keep: pl.Expr;
}

interface Target {
  path: string;
  tmp: string;
  file: FileHandle;
  bytes: number;
}

/**
 * Takes slices of the export frame in order and writes both files through temp names, renamed
 * into place by close(); abort() removes them. Writes are queued: slice() does not wait.
 */
export class CsvFilesWriter {
  #targets: [Target, Target];
  #keep: pl.Expr;
  #encoder = new TextEncoder();
  #header = false;
  #queue: Promise<void> = Promise.resolve();
  #rows = 0;

  private constructor(targets: [Target, Target], keep: pl.Expr) {
    this.#targets = targets;
    this.#keep = keep;
  }

  static async open(options: CsvFilesOptions): Promise<CsvFilesWriter> {
    const target = async (path: string): Promise<Target> => {
      const tmp = tempPathFor(path);
      return { path, tmp, file: await open(tmp, "w"), bytes: 0 };
    };
    const main = await target(options.path);
    try {
      return new CsvFilesWriter([main, await target(options.subsetPath)], options.keep);
    } catch (error) {
      await main.file.close();
      await rm(main.tmp, { force: true });
      throw error;
    }
  }

  #write(target: Target, data: Uint8Array) {
    if (data.byteLength === 0) return;
    target.bytes += data.byteLength;
    this.#queue = this.#queue.then(() => target.file.write(data).then(() => {}));
  }

  /** The next slice of the frame and its typed columns (exportTypedColumns of the slice). */
  slice(slice: pl.DataFrame, columns: TypedColumn[]): void {
    if (!this.#header) {
      const header = this.#encoder.encode(csvHeader(columns));
      this.#write(this.#targets[0], header);
      this.#write(this.#targets[1], header);
      this.#header = true;
    }
    const keep = keepMask(slice, this.#keep);
    for (const [all, kept] of csvLineBytes(columns, keep)) {
      this.#write(this.#targets[0], all);
      this.#write(this.#targets[1], kept);
    }
    for (const k of keep) if (k) this.#rows++;
  }

  /** Resolves when the writes queued so far are done (bounds what is held in memory). */
  async drained(): Promise<void> {
    await this.#queue;
  }

  /** Waits for the queued writes and the headers of an empty frame; renames both into place. */
  async close(frame: pl.DataFrame): Promise<CsvWithSubset> {
    if (!this.#header) this.slice(frame.head(0), exportTypedColumns(frame.head(0)));
    await this.#queue;
    for (const t of this.#targets) {
      await t.file.sync();
      await t.file.close();
    }
    for (const t of this.#targets) await rename(t.tmp, t.path);
    const [main, subset] = this.#targets;
    return {
      bytes: main.bytes,
      subset: { path: subset.path, bytes: subset.bytes, rows: this.#rows },
    };
  }

  async abort(): Promise<void> {
    await this.#queue.catch(() => {});
    for (const t of this.#targets) {
      await t.file.close().catch(() => {});
      await rm(t.tmp, { force: true });
    }
  }
}

/**
 * The export CSV at `path` and, from the same pass, the rows `keep` holds for at `subsetPath`
 * (byte for byte what writeCsvFile(frame.filter(keep)) writes). Both atomic.
 */
export async function writeCsvWithSubset(
  frame: pl.DataFrame,
  options: CsvFilesOptions,
): Promise<CsvWithSubset> {
  const writer = await CsvFilesWriter.open(options);
  try {
    // one slice's writes in flight while the next is formatted (waiting on each slice left the
    // thread idle for a fifth of the CSV's time)
    let previous: Promise<void> = Promise.resolve();
    for (let offset = 0; offset < frame.height; offset += SLICE_ROWS) {
      const slice = frame.slice(offset, SLICE_ROWS);
      writer.slice(slice, exportTypedColumns(slice));
      await previous;
      previous = writer.drained();
      previous.catch(() => {}); // awaited next round or by close(); not left unhandled meanwhile
    }
    return await writer.close(frame);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
