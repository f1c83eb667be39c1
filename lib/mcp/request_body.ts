/**
 * A POST /mcp body, read once, whole, up to a limit, before the SDK's transport sees the request.
 *
 * The transport has a limit of its own (4 MiB) but, past it, answers 413 without reading or
 * cancelling the rest of the body; and the body is needed again afterwards (an invalid request's
 * id, request_errors.ts), which a Request.clone() gave as a tee: cancelling one branch of a tee
 * waits until the other is read to its end or cancelled too, so a refused body left the handler
 * waiting for ever (no answer, no access-log line, the server's stop waiting on it). Read here,
 * the bytes go to the transport in a Request of their own and are kept for that second look.
 */

/** The most /mcp reads of a request body: the SDK transport's own default, 4 MiB. */
export const MCP_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export type BodyRead =
  | { kind: "read"; bytes: Uint8Array<ArrayBuffer> }
  | { kind: "too_large" }
  | { kind: "failed"; error: unknown };

/**
 * The body's bytes, or `too_large` as soon as it is known to be past `maxBytes`: at once when
 * its Content-Length says so (nothing read), else once the bytes read pass it. A refused or failed
 * body is cancelled (not drained: a client sending 30 MB is not waited for).
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<BodyRead> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    request.body?.cancel().catch(() => {});
    return { kind: "too_large" };
  }
  if (request.body === null) return { kind: "read", bytes: new Uint8Array() };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        reader.cancel().catch(() => {});
        return { kind: "too_large" };
      }
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    return { kind: "failed", error };
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { kind: "read", bytes };
}

/** The 413's one line: the limit, and what to do. */
export function tooLargeMessage(maxBytes: number): string {
  return `request body over ${maxBytes} bytes (${
    maxBytes / (1024 * 1024)
  } MiB), the most /mcp accepts: send a smaller request (a shorter query or fewer arguments)`;
}
