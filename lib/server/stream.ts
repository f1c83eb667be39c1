/**
 * Response bodies that stream, and fail loudly: a body whose writer throws after the status line
 * went out is aborted (the connection drops without the final chunk), so the client sees an error
 * and never a short file that looks whole.
 */
import type pl from "nodejs-polars";
import { PassThrough, Readable, type Writable } from "node:stream";
import { csvChunks } from "../formats/csv.ts";
import { writeXlsx } from "../formats/xlsx.ts";

export type CsvWriter = (frame: pl.DataFrame) => Iterable<string>;
export type XlsxWriter = (frame: pl.DataFrame, stream: Writable) => Promise<void>;

/** Encoded chunks of a (lazy) string iterable, pulled one at a time as the client reads. */
export function csvStream(
  frame: pl.DataFrame,
  write: CsvWriter = csvChunks,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let chunks: Iterator<string> | undefined;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      chunks ??= write(frame)[Symbol.iterator]();
      const next = chunks.next(); // a throw here errors the stream
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      chunks?.return?.();
    },
  }, { highWaterMark: 0 });
}

/** ExcelJS's streaming writer through a PassThrough into a web stream. */
export function xlsxStream(
  frame: pl.DataFrame,
  write: XlsxWriter = writeXlsx,
): ReadableStream<Uint8Array> {
  const pass = new PassThrough();
  // The workbook writer ends `pass` when it commits; a failure destroys it, erroring the body.
  write(frame, pass).catch((error) => pass.destroy(error));
  return Readable.toWeb(pass) as unknown as ReadableStream<Uint8Array>;
}

export interface BodyEnd {
  bytes: number;
  /** "done", "cancelled" (the client went away) or "failed: <reason>" */
  outcome: string;
}

/**
 * Reads the first chunk before anything is sent (a writer that fails at once becomes a JSON
 * error, not a 200), then passes the rest through, counting bytes for the access log.
 */
export async function guardedBody(
  source: ReadableStream<Uint8Array>,
  onEnd: (end: BodyEnd) => void,
): Promise<ReadableStream<Uint8Array>> {
  const reader = source.getReader();
  const first = await reader.read(); // throws if the writer failed before its first byte
  let bytes = 0;
  let ended = false;
  const end = (outcome: string) => {
    if (!ended) onEnd({ bytes, outcome });
    ended = true;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) {
        controller.close();
        end("done");
        return;
      }
      bytes += first.value.byteLength;
      controller.enqueue(first.value);
    },
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          end("done");
        } else {
          bytes += next.value.byteLength;
          controller.enqueue(next.value);
        }
      } catch (error) {
        end(`failed: ${oneLine(error)}`);
        controller.error(error);
      }
    },
    cancel(reason) {
      end("cancelled");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** First line of an error's message, connection-URL passwords masked. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] || "unknown error").replace(/(\/\/[^/:@\s]+:)[^@\s]*@/g, "$1***@");
}
