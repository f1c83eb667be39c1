/**
 * The export CSV's rows formatted on a second thread. At a million organizations turning the
 * typed columns into CSV bytes is ~1.8 s of the CSV's ~3 s, all on the main thread, while the
 * machine's second core idles once the chart worker is done. The main thread keeps taking slices
 * out of Polars (native work that must stay where the frame is) and moves their typed columns'
 * buffers to the worker (zero copy: the worker never holds a second copy of a slice); it formats
 * them with the same csvLineBytes and moves the bytes back. CsvFilesWriter writes them in slice
 * order.
 */
import type { TypedColumn } from "./typed_column.ts";
import { csvLineBytes } from "./csv_rows.ts";
import { collectYoungGarbage } from "../core/memory.ts";
import { isWorkerEntry } from "../core/worker_entry.ts";

/** The rows of a slice as CSV: [every row, the rows `keep` holds for], in ~64 KB chunks. */
export interface FormattedSlice {
  all: Uint8Array[];
  kept: Uint8Array[];
}

interface SliceJob {
  columns: TypedColumn[];
  keep: Uint8Array;
}

/** The first message: one Int32, the slices the worker has formatted, shared with the caller. */
interface StartJob {
  formatted: SharedArrayBuffer;
}

type SliceReply = FormattedSlice | { error: string };

/** A slice's CSV formatted here, as the worker does it. */
export function formatSlice(columns: TypedColumn[], keep: Uint8Array): FormattedSlice {
  const all: Uint8Array[] = [];
  const kept: Uint8Array[] = [];
  for (const [rows, keptRows] of csvLineBytes(columns, { keep })) {
    all.push(rows);
    if (keptRows.byteLength > 0) kept.push(keptRows);
  }
  return { all, kept };
}

/** The buffers of a slice's columns and mask (one buffer may back several columns' text). */
function sliceBuffers(columns: TypedColumn[], keep: Uint8Array): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([keep.buffer as ArrayBuffer]);
  for (const c of columns) {
    if (c.numbers) buffers.add(c.numbers.buffer as ArrayBuffer);
    if (c.text) {
      for (const a of [c.text.bytes, c.text.start, c.text.end, c.text.flags]) {
        buffers.add(a.buffer as ArrayBuffer);
      }
    }
  }
  return [...buffers];
}

/** A worker formatting slices in the order given. */
export interface CsvFormatWorker {
  /**
   * Slices sent and not yet formatted. Read from memory shared with the worker: its replies are
   * delivered only when this thread's event loop turns, which a busy writer may not let happen
   * for several slices.
   */
  readonly inFlight: number;
  /**
   * The CSV of a slice, formatted in the worker. The columns' and mask's buffers move to it
   * (zero copy): they are unusable here after.
   */
  format(columns: TypedColumn[], keep: Uint8Array): Promise<FormattedSlice>;
  /** Ends the worker; slices still in it fail. */
  close(): void;
}

export function startCsvFormatWorker(): CsvFormatWorker {
  const worker = new Worker(import.meta.url, { type: "module" });
  // the worker answers each job once, in the order sent
  const waiting: { resolve: (slice: FormattedSlice) => void; reject: (error: Error) => void }[] =
    [];
  const formatted = new Int32Array(new SharedArrayBuffer(4));
  worker.postMessage({ formatted: formatted.buffer } satisfies StartJob);
  let sent = 0;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    worker.terminate();
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  worker.onmessage = (event: MessageEvent<SliceReply>) => {
    const reply = event.data;
    if ("error" in reply) return fail(new Error(`CSV formatting failed: ${reply.error}`));
    waiting.shift()?.resolve(reply);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(new Error(`CSV formatting failed: ${event.message}`));
  };
  return {
    get inFlight() {
      return sent - Atomics.load(formatted, 0);
    },
    format(columns, keep) {
      if (failure) return Promise.reject(failure);
      const job: SliceJob = { columns, keep };
      return new Promise<FormattedSlice>((resolve, reject) => {
        waiting.push({ resolve, reject });
        sent++;
        worker.postMessage(job, sliceBuffers(columns, keep));
      });
    },
    close: () => fail(new Error("the CSV formatting worker was closed")),
  };
}

// In the worker: a reply per slice, its chunks moved back (not copied).
if (isWorkerEntry(import.meta)) {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<SliceJob | StartJob>) => void;
    postMessage: (reply: SliceReply, transfer?: ArrayBuffer[]) => void;
  };
  let formatted = new Int32Array(new SharedArrayBuffer(4));
  scope.onmessage = (event) => {
    if ("formatted" in event.data) {
      formatted = new Int32Array(event.data.formatted);
      return;
    }
    try {
      const slice = formatSlice(event.data.columns, event.data.keep);
      const buffers = [...slice.all, ...slice.kept].map((b) => b.buffer as ArrayBuffer);
      Atomics.add(formatted, 0, 1);
      scope.postMessage(slice, buffers);
    } catch (error) {
      scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
    collectYoungGarbage(); // the slice's columns, as the main thread's writers do per slice
  };
}
