/**
 * Response bodies that stream, and fail loudly: a body whose writer throws after the status line
 * went out is aborted (the connection drops without the final chunk), so the client sees an error
 * and never a short file that looks whole.
 */
import type pl from "nodejs-polars";
import type { Writable } from "node:stream";
import type { Download } from "./in_flight.ts";

export type CsvWriter = (frame: pl.DataFrame) => Iterable<string>;
export type XlsxWriter = (frame: pl.DataFrame, stream: Writable) => Promise<void>;

export interface BodyEnd {
  bytes: number;
  /**
   * "done", "cancelled" (the client went away), "stalled" (closed by a stop: its client took
   * nothing for a while) or "failed: <reason>"
   */
  outcome: string;
}

/**
 * The most a download hands its client at once. A piece taken is the progress a stop watches
 * (lib/server/in_flight.ts), so a big chunk (a CSV chunk is 1,000 rows: hundreds of kilobytes,
 * megabytes with long names) goes in pieces: a client that reads slowly takes one now and then.
 */
export const PIECE_BYTES = 64 * 1024;

export interface GuardedBodyOptions {
  /** told once, when the body ends */
  onEnd: (end: BodyEnd) => void;
  /** the file's name, for the log of a stop that closes it */
  name?: string;
  /** where a stop sees the download (InFlight.watch); the function returned forgets it */
  watch?: (download: Download) => () => void;
}

/**
 * Reads the first chunk before anything is sent (a writer that fails at once becomes a JSON
 * error, not a 200), then passes the rest through in pieces of PIECE_BYTES at most, counting
 * bytes for the access log.
 */
export async function guardedBody(
  source: ReadableStream<Uint8Array>,
  { onEnd, name = "download", watch }: GuardedBodyOptions,
): Promise<ReadableStream<Uint8Array>> {
  const reader = source.getReader();
  const first = await reader.read(); // throws if the writer failed before its first byte
  let bytes = 0;
  let ended = false;
  let forget = () => {};
  const end = (outcome: string) => {
    if (!ended) {
      forget();
      onEnd({ bytes, outcome });
    }
    ended = true;
  };
  /** what is left of the source's last chunk */
  let rest = first.done ? new Uint8Array(0) : first.value;
  let controller: ReadableStreamDefaultController<Uint8Array>;
  const download = {
    name,
    waitingSince: null as number | null,
    close() {
      end("stalled");
      controller.error(new Error("closed while stopping: its client took nothing for a while"));
      reader.cancel().catch(() => {});
    },
  };
  const enqueue = () => {
    const piece = rest.subarray(0, PIECE_BYTES);
    rest = rest.subarray(piece.byteLength);
    bytes += piece.byteLength;
    controller.enqueue(piece);
    download.waitingSince = performance.now();
  };
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      if (first.done) {
        controller.close();
        end("done");
        return;
      }
      enqueue();
      if (watch) forget = watch(download);
    },
    async pull() {
      download.waitingSince = null; // the client took its piece
      if (rest.byteLength > 0) return enqueue();
      try {
        const next = await reader.read();
        if (ended) return; // (closed meanwhile)
        if (next.done) {
          controller.close();
          end("done");
        } else {
          rest = next.value;
          enqueue();
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
