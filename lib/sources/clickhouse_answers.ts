/**
 * ClickHouse's HTTP answers as the client reads them: whether one came from ClickHouse at all, a
 * body read up to a limit, a FORMAT JSON table, and a query's failure written at the end of a body
 * whose 200 status had already gone out (18.16 and modern servers alike).
 */
import type { QueryTable } from "./frames.ts";
import { notClickHouse } from "./clickhouse_errors.ts";

/**
 * The last line of a body whose query failed after the server had started sending it (a time
 * limit, a throw: the HTTP status was already 200), 18.16's `Code: 159, e.displayText() =
 * DB::Exception: …` and modern `Code: 159. DB::Exception: …` alike, the latter possibly followed
 * by the exception-tag trailer of servers since 25.11. No CSVWithNames record starts so (its
 * strings are quoted); only a quoted value holding a line break and that text could look alike.
 */
const EXCEPTION_AT_END =
  /(?:^|\n)(Code: \d+[.,] [^\r\n]*DB::Exception[^\r\n]*)(?:\r?\n\d+ [^\r\n]*\r\n__exception__)?\s*$/;

/** The server's exception at the end of a spooled body (see EXCEPTION_AT_END), or null. */
export async function exceptionAtEnd(path: string): Promise<string | null> {
  const file = await Deno.open(path);
  try {
    const size = (await file.stat()).size;
    const tail = new Uint8Array(Math.min(size, 64 * 1024));
    await file.seek(size - tail.length, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < tail.length) {
      const n = await file.read(tail.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const text = new TextDecoder().decode(tail.subarray(0, filled));
    return text.match(EXCEPTION_AT_END)?.[1] ?? null;
  } finally {
    file.close();
  }
}

/**
 * A FORMAT JSON body's columns and rows. A query that failed after its answer had started (a
 * time limit) leaves the server's exception where the JSON breaks off: that is thrown, as the
 * client throws one that came first.
 */
export function readJsonTable(body: string): QueryTable {
  let parsed: {
    meta?: { name: string; type?: string }[];
    data?: Record<string, unknown>[];
    exception?: string;
  };
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const exception = body.match(/(Code: \d+[.,] [^\r\n]*DB::Exception[^\r\n]*)\s*$/)?.[1];
    throw exception ? new Error(exception) : error;
  }
  // (newer servers write an exception into the JSON itself)
  if (typeof parsed.exception === "string") throw new Error(parsed.exception);
  const meta = parsed.meta ?? [];
  return {
    columns: meta.map((column) => column.name),
    rows: parsed.data ?? [],
    types: meta.map((column) => column.type ?? ""),
  };
}

/** A size past which an answer to the profile check is not read further (it is a few bytes). */
const PROBE_BODY_LIMIT = 64 * 1024;

/** An answer's body as it arrives. */
export type Body = AsyncIterable<Uint8Array> & { destroy(): void };

/** A small answer's text, its first PROBE_BODY_LIMIT bytes; the rest is let go. */
export async function textOf(stream: Body): Promise<string> {
  return new TextDecoder().decode((await readUpTo(stream, PROBE_BODY_LIMIT)).bytes);
}

/**
 * A body's bytes, at most `limit` of them: `complete` is false when it had more, which were let
 * go (the stream destroyed as soon as they arrived).
 */
export async function readUpTo(
  stream: Body,
  limit: number,
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = true;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      complete = false;
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
  }
  return { bytes, complete };
}

/**
 * Whether an answer came from ClickHouse: every ClickHouse answer, error or not, carries an
 * X-ClickHouse-* header (18.16: X-ClickHouse-Server-Display-Name); a web server's does not.
 */
export function fromClickHouse(headers: Record<string, unknown>): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase().startsWith("x-clickhouse-"));
}

/**
 * Throws, in one line (notClickHouse: its status and kind, never its page), on an answer that did
 * not come from ClickHouse (a web server, a proxy's error page), its body let go first (`release`).
 * `running`: the query file, or null for the session's first request (the profile check).
 */
export function assertFromClickHouse(
  answer: { headers: Record<string, unknown>; status: number; body?: string },
  { server, running, release }: { server: string; running: string | null; release?: () => void },
): void {
  if (fromClickHouse(answer.headers)) return;
  release?.();
  throw notClickHouse({
    server,
    running,
    status: answer.status,
    contentType: String(answer.headers["content-type"] ?? ""),
    body: answer.body ?? "",
  });
}
