/**
 * The export CSV written slice by slice, with the brief's trimmed CSV from the same formatting
 * pass, and fed either by its own slicing (writeCsvWithSubset) or by another writer's slices (the
 * XLSX writer's, so in a CSV + XLSX export each slice leaves Polars once for both files).
 */
import type pl from "nodejs-polars";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { exportTypedColumns, SLICE_ROWS, type TypedColumn, typedHeight } from "./cells.ts";
import { csvHeader } from "./csv.ts";
import { tempPathFor, writeFailure } from "./files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import { returnFreedMemory, TRIM_EVERY_SLICES } from "../core/memory.ts";
import {
  type CsvFormatWorker,
  formatSlice,
  type FormattedSlice,
  startCsvFormatWorker,
} from "./csv_worker.ts";

export interface CsvWithSubset {
  bytes: number;
  /** when one was asked for */
  subset?: { path: string; bytes: number; rows: number };
  /** with `syncLater`: settles once both files are on disk and closed; rejects as a write would */
  synced?: Promise<void>;
}

export interface CsvFilesOptions {
  path: string;
  /** how the user chose the folder the files are for (an export's --out-dir…), for its errors */
  chosenBy: ChosenBy;
  /**
   * a second file of the rows `keep` marks: 1 or 0 for every row of the frame, in order
   * (keepMask of the whole frame: a Polars select per slice instead left ~400 MB of a million-row
   * frame's columns in use natively after the writer was done, from a process's second export on)
   */
  subset?: { path: string; keep: Uint8Array };
  /**
   * format rows on a second thread as well (lib/formats/csv_worker.ts); the bytes are the same.
   * writeCsvWithSubset and writeExportFiles default to it above OFF_THREAD_ABOVE rows.
   */
  offThread?: boolean;
  /**
   * with offThread: settles once the second core is free (the chart worker is done); the worker
   * starts then, and this thread formats every slice until it does. Both workers at once would
   * add their memory at the export's peak for no speed: the chart worker has that core.
   */
  secondCoreFree?: Promise<unknown>;
  /**
   * close() renames the files into place once their bytes are written and leaves syncing them to
   * disk (and closing them) to the `synced` it returns. For files in a staging folder that is
   * published whole (lib/formats/staging.ts), where a file under its name before its sync is
   * harmless: an export's CSVs sync while its brief is made instead of before it (at a million
   * organizations ~0.2 s in which neither core had work).
   */
  syncLater?: boolean;
}

/**
 * Rows above which the CSV's rows are formatted on a second thread too: below, the worker's
 * start-up (~50 ms) is not worth it, and the chart worker still has the second core.
 */
export const OFF_THREAD_ABOVE = 250_000;

/**
 * Slices in the worker at once: one being formatted, one waiting, so it never idles while the
 * main thread takes the next out of Polars; the main thread formats the others itself.
 */
const WORKER_SLICES = 2;

/** Formatted slices held for the file, in order, before writeCsvWithSubset waits (memory). */
const HELD_SLICES = 3;

interface Target {
  path: string;
  tmp: string;
  file: FileHandle;
  bytes: number;
}

/** A slice's place in the file: its bytes once formatted (a worker's may come back later). */
interface Slot {
  done?: FormattedSlice;
  /** settles when `done` is set; rejects when the worker fails */
  ready: Promise<void>;
}

/**
 * Takes slices of the export frame in order and writes both files through temp names, renamed
 * into place by close(); abort() removes them. Writes are queued: slice() does not wait.
 */
export class CsvFilesWriter {
  /** the CSV, then the subset file when there is one */
  #targets: Target[];
  /** the subset's rows, 1 or 0 for every row of the frame */
  #keep: Uint8Array | undefined;
  /** the frame's rows sliced so far */
  #sliced = 0;
  #worker: CsvFormatWorker | null;
  #encoder = new TextEncoder();
  #header = false;
  #queue: Promise<void> = Promise.resolve();
  /** formatted or formatting slices not yet queued for the files, in slice order */
  #slots: Slot[] = [];
  /** a slice its caller still reads (see slice()), formatted once it is done */
  #held: { columns: TypedColumn[]; keep: Uint8Array } | null = null;
  #rows = 0;

  /** a write failed (a full disk): the next slice() throws it rather than format more */
  #failure: unknown;

  /** closed or aborted: no worker is started any more */
  #ended = false;

  #syncLater: boolean;

  #chosenBy: ChosenBy;

  private constructor(targets: Target[], options: CsvFilesOptions) {
    this.#targets = targets;
    this.#chosenBy = options.chosenBy;
    this.#syncLater = options.syncLater ?? false;
    this.#keep = options.subset?.keep;
    this.#worker = null;
    if (!options.offThread) return;
    const start = () => {
      if (!this.#ended) this.#worker = startCsvFormatWorker();
    };
    if (options.secondCoreFree) options.secondCoreFree.then(start, start);
    else start();
  }

  /** A writer of a frame's CSV (and subset), given its slices in order by slice(). */
  static async open(options: CsvFilesOptions): Promise<CsvFilesWriter> {
    const target = async (path: string): Promise<Target> => {
      const tmp = tempPathFor(path);
      // a folder gone read-only meets the open: named in words as a failed write is (#failed)
      const file = await open(tmp, "w").catch((error) => {
        throw writeFailure(options.path, error, { chosenBy: options.chosenBy });
      });
      return { path, tmp, file, bytes: 0 };
    };
    const main = await target(options.path);
    try {
      const subset = options.subset ? [await target(options.subset.path)] : [];
      return new CsvFilesWriter([main, ...subset], options);
    } catch (error) {
      await main.file.close();
      await rm(main.tmp, { force: true }).catch(() => {}); // (best effort, as in abort)
      throw error;
    }
  }

  /**
   * A failed write of either file, named by the CSV: the subset is the brief's trimmed file,
   * published only above the upload size, so a full disk named a file the user never sees.
   */
  #failed(error: unknown): unknown {
    return writeFailure(this.#targets[0].path, error, { chosenBy: this.#chosenBy });
  }

  #write(target: Target, data: Uint8Array) {
    if (data.byteLength === 0) return;
    target.bytes += data.byteLength;
    this.#queue = this.#queue.then(() =>
      target.file.write(data).then(() => {}, (error) => {
        this.#failure ??= this.#failed(error);
        throw this.#failure;
      })
    );
    // awaited by drained() or close(); a failed write must not go unhandled meanwhile (the XLSX
    // pass feeding the CSV awaits neither until its end)
    this.#queue.catch(() => {});
  }

  /** Queues the formatted slices at the head for the files, in order. */
  #flush() {
    while (this.#slots[0]?.done) {
      const { all, kept } = this.#slots.shift()!.done!;
      for (const chunk of all) this.#write(this.#targets[0], chunk);
      const subset = this.#targets[1];
      if (subset) { for (const chunk of kept) this.#write(subset, chunk); }
    }
  }

  /**
   * The next slice of the frame and its typed columns (exportTypedColumns of the slice). Their
   * buffers may move to the worker: with `stillRead` (the XLSX writer formats the slice after
   * this call) only at the next slice() or close(), by which time the caller is done with them.
   */
  slice(slice: pl.DataFrame, columns: TypedColumn[], { stillRead = false } = {}): void {
    if (this.#failure) throw this.#failure;
    if (!this.#header) {
      const header = this.#encoder.encode(csvHeader(columns));
      for (const target of this.#targets) this.#write(target, header);
      this.#header = true;
    }
    // without a subset no row is kept (an empty mask: csvLineBytes keeps none)
    let keep = new Uint8Array(0);
    if (this.#keep) {
      const end = this.#sliced + slice.height;
      if (end > this.#keep.length) throw new Error("CSV slices past the end of the frame");
      keep = this.#keep.slice(this.#sliced, end); // a copy: it may move to the worker
      for (const k of keep) if (k) this.#rows++;
    }
    this.#sliced += slice.height;
    if (!this.#worker) return this.#formatHere(columns, keep);
    this.#releaseHeld();
    if (stillRead) this.#held = { columns, keep };
    else this.#format(columns, keep);
  }

  /** The slice held for its reader (slice()'s `stillRead`), which is done with it now. */
  #releaseHeld() {
    if (!this.#held) return;
    const { columns, keep } = this.#held;
    this.#held = null;
    this.#format(columns, keep);
  }

  /** Formats a slice in the worker, or here when it has enough to do. */
  #format(columns: TypedColumn[], keep: Uint8Array) {
    const worker = this.#worker;
    if (!worker || worker.inFlight >= WORKER_SLICES || typedHeight(columns) === 0) {
      return this.#formatHere(columns, keep);
    }
    const slot: Slot = { ready: Promise.resolve() };
    slot.ready = worker.format(columns, keep).then((done) => {
      slot.done = done;
      this.#flush();
    });
    slot.ready.catch(() => {}); // awaited by drained() or close(); not left unhandled meanwhile
    this.#slots.push(slot);
  }

  /** Formats a slice on this thread, behind the slices still in the worker. */
  #formatHere(columns: TypedColumn[], keep: Uint8Array) {
    this.#slots.push({ done: formatSlice(columns, keep), ready: Promise.resolve() });
    this.#flush();
  }

  /**
   * Resolves when the writes queued so far are done and at most HELD_SLICES slices wait for the
   * worker (bounds what is held in memory); rejects when the worker failed.
   */
  async drained(): Promise<void> {
    while (this.#slots.length > HELD_SLICES) await this.#slots[0].ready;
    await this.#queue;
  }

  /**
   * Waits for the queued writes and the headers of an empty frame; syncs both files to disk (see
   * syncLater) and renames them into place.
   */
  async close(frame: pl.DataFrame): Promise<CsvWithSubset> {
    if (!this.#header) this.slice(frame.head(0), exportTypedColumns(frame.head(0)));
    this.#releaseHeld();
    this.#ended = true;
    while (this.#slots.length > 0) await this.#slots[0].ready;
    this.#worker?.close();
    await this.#queue;
    const synced = this.#syncAndClose();
    if (this.#syncLater) synced.catch(() => {}); // the caller's to await; not unhandled meanwhile
    else await synced;
    for (const t of this.#targets) await rename(t.tmp, t.path);
    const [main, subset] = this.#targets;
    return {
      bytes: main.bytes,
      ...(subset ? { subset: { path: subset.path, bytes: subset.bytes, rows: this.#rows } } : {}),
      ...(this.#syncLater ? { synced } : {}),
    };
  }

  /** Syncs each file to disk and closes every one; a failure names the CSV (a full disk). */
  async #syncAndClose(): Promise<void> {
    let failure: unknown;
    for (const t of this.#targets) {
      try {
        await t.file.sync();
        await t.file.close();
      } catch (error) {
        await t.file.close().catch(() => {}); // (closed already when close() failed)
        failure ??= this.#failed(error);
      }
    }
    if (failure) throw failure;
  }

  async abort(): Promise<void> {
    this.#ended = true;
    this.#worker?.close();
    this.#slots = [];
    this.#held = null;
    await this.#queue.catch(() => {});
    for (const t of this.#targets) {
      await t.file.close().catch(() => {});
      // best effort: on a disk gone read-only it fails too, and must not replace the write's error
      await rm(t.tmp, { force: true }).catch(() => {});
    }
  }
}

/**
 * The export CSV at `path` and, from the same pass, the rows `subset.keep` marks at `subset.path`
 * (byte for byte what writeCsvFile of the frame filtered by the mask's expression writes). Both
 * atomic.
 */
export async function writeCsvWithSubset(
  frame: pl.DataFrame,
  options: CsvFilesOptions & {
    /** rows per slice out of Polars (default SLICE_ROWS); the bytes do not depend on it */
    sliceRows?: number;
    /** a command's Ctrl-C or SIGTERM: checked before each slice (its reason thrown) */
    signal?: AbortSignal;
  },
): Promise<CsvWithSubset> {
  const sliceRows = options.sliceRows ?? SLICE_ROWS;
  const writer = await CsvFilesWriter.open({
    ...options,
    offThread: options.offThread ?? frame.height > OFF_THREAD_ABOVE,
  });
  try {
    // one slice's writes in flight while the next is formatted (waiting on each slice left the
    // thread idle for a fifth of the CSV's time)
    let previous: Promise<void> = Promise.resolve();
    for (let offset = 0; offset < frame.height; offset += sliceRows) {
      options.signal?.throwIfAborted(); // (the await below turns the event loop each slice)
      // the slices' freed memory stays in glibc's arenas (a million rows' CSV crept +90–140 MB
      // until the collection before the brief, the CSV-only export's peak): handed back as it goes
      if (offset % (TRIM_EVERY_SLICES * sliceRows) === 0) {
        returnFreedMemory({ rows: frame.height });
      }
      const slice = frame.slice(offset, sliceRows);
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
