/**
 * A request whose params do not have the protocol's shape (tools/call with `arguments` a string or
 * an array, a tool's name a number) was answered with the SDK's −32603 "internal error" carrying
 * its Zod issues as a multi-line JSON dump: the SDK (1.32) parses a request's params before any
 * handler of ours runs and has no hook for that error. The transport's outgoing answers are read
 * here instead: such an answer becomes −32602 (invalid params) in one line naming each field and
 * what it must be. Every other message goes out as it is.
 *
 * JSON that is not a JSON-RPC message at all to the SDK's transports (`42`, `{}`, `params` a
 * string, no `method`, a key the protocol does not have, a batch over stdio) never reaches a
 * handler: over stdio the transport drops it (its onerror only), so the client waited for an
 * answer that never came, and over HTTP it answers 400 with −32700 "Parse error", though the JSON
 * was read. Such a message gets −32600 (invalid request) in one line naming what is wrong
 * (invalidRequestAnswer), with its id when one can be read and id null otherwise (JSON-RPC 2.0):
 * over stdio its line is read before the transport's (answeringInvalidRequests), over HTTP the
 * transport's refusal is replaced by it (invalidRequestResponse, still 400: MCP's HTTP status for
 * a message the server cannot accept), as is its 202 and nothing to an empty batch `[]`.
 *
 * A stdin line that is not JSON at all was dropped the same way (no answer, nothing on stderr),
 * where HTTP answers −32700: it gets JSON-RPC's parse error, −32700 with id null, in one line
 * (answeringInvalidRequests). A blank line is no message and goes on as it came. A line longer
 * than the SDK's transport takes (10 MiB) closed the transport, and so ended the server without a
 * word, the requests under way unanswered: it gets −32600 (oversizedLineAnswer), and is skipped.
 */
import { Buffer } from "node:buffer";
import { type Readable, Transform } from "node:stream";
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
// @ts-types="@modelcontextprotocol/sdk/shared/stdio"
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from "@modelcontextprotocol/sdk/shared/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/types"
import {
  type JSONRPCErrorResponse,
  JSONRPCMessageSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { oneLineError } from "./text.ts";

const INTERNAL_ERROR = -32603;
const INVALID_PARAMS = -32602;
const INVALID_REQUEST = -32600;
const PARSE_ERROR = -32700;
/** the web-standard HTTP transport's refusal of JSON that is no JSON-RPC message (SDK 1.32) */
const SDK_INVALID_MESSAGE = "Parse error: Invalid JSON-RPC message";

interface Issue {
  path: (string | number)[];
  message: string;
}

/** `transport` with its outgoing params errors made one line (see above); the same object. */
export function withPlainParamErrors<T extends Transport>(transport: T): T {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(plainParamError(message), options);
  return transport;
}

/** The answer as it goes out: a params error rewritten, anything else unchanged. */
export function plainParamError<M>(message: M): M {
  const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
  if (error?.code !== INTERNAL_ERROR || typeof error.message !== "string") return message;
  const issues = zodIssues(error.message);
  if (issues === null) return message;
  // a path holds the client's own keys: escaped and cut as every error's text (oneLineError)
  return {
    ...message,
    error: {
      code: INVALID_PARAMS,
      message: oneLineError(`invalid request params: ${issueList(issues, "params")}`),
    },
  };
}

/** "path: what it must be; …", each path joined with dots (`whole` when it is the message's own). */
function issueList(issues: Issue[], whole: string): string {
  return issues.map((issue) =>
    `${issue.path.join(".") || whole}: ${
      issue.message.replace(/^Invalid input: /, "").replace(
        /^Invalid input$/,
        issue.path.join(".") === "id" ? "expected a string or a whole number" : "not a valid value",
      ).replace(
        /\bexpected (record|object)\b/,
        "expected an object",
      )
    }`
  ).join("; ");
}

/** Which transport a message came by: HTTP takes a batch (a JSON array of messages), stdio not. */
export type MessageTransport = "stdio" | "http";

/**
 * The −32600 answer to JSON the SDK's transports refuse as no JSON-RPC message by the protocol's
 * schema (`42`, `"x"`, `{}`, a request whose `params` is a string, a key the protocol does not
 * have), in one line naming what is wrong. Its id is the message's own when it can be read (a
 * string or number), else null (JSON-RPC 2.0: an id that cannot be detected is answered null).
 * Null (no answer) for a valid message (the SDK takes those) and for a response (`result` or
 * `error` without a `method`: a response is never answered).
 *
 * An array is a batch: stdio's transport takes none (MCP since 2025-06-18 has no batches), so one
 * is refused whole, id null; HTTP's takes batches, and refuses one that is empty (it answered 202
 * and nothing) or has a member that is no message (the member is named).
 */
export function invalidRequestAnswer(
  message: unknown,
  transport: MessageTransport,
): JSONRPCErrorResponse | null {
  if (Array.isArray(message)) {
    if (transport === "stdio") {
      return invalidRequest(
        null,
        "a batch (a JSON array) is not taken over stdio; send one JSON-RPC message per line",
      );
    }
    if (message.length === 0) {
      return invalidRequest(null, "the batch is empty; send one JSON-RPC message or more");
    }
    for (const [index, member] of message.entries()) {
      const refused = Array.isArray(member)
        ? invalidRequest(null, "a batch holds messages, not batches")
        : invalidRequestAnswer(member, transport);
      if (refused) {
        return invalidRequest(
          null,
          `batch member ${index}: ${refused.error.message.replace(/^invalid request: /, "")}`,
        );
      }
    }
    return null;
  }
  const object = typeof message === "object" && message !== null ? message : null;
  if (object && !("method" in object) && ("result" in object || "error" in object)) return null;
  if (JSONRPCMessageSchema.safeParse(message).success) return null;
  const { id } = (object ?? {}) as { id?: unknown };
  const readable = typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
  // without an id it was meant as a notification: the request's "id: required" would mislead
  const schema = object && !("id" in object) ? JSONRPCNotificationSchema : JSONRPCRequestSchema;
  const issues = schema.safeParse(message).error?.issues ?? [];
  const what = issues.length > 0
    ? issueList(issues.map((i) => ({ path: i.path.map(String), message: i.message })), "request")
    : "not a JSON-RPC request";
  return invalidRequest(readable ? id as string | number : null, what);
}

/** −32600 with `id` (null: JSON-RPC's id for one that cannot be read), `what` made one line. */
function invalidRequest(id: string | number | null, what: string): JSONRPCErrorResponse {
  // (JSON-RPC's id null, which the SDK's type, id optional, does not spell)
  return {
    jsonrpc: "2.0",
    id,
    error: { code: INVALID_REQUEST, message: oneLineError(`invalid request: ${what}`) },
  } as JSONRPCErrorResponse;
}

/** The stdio parse error's one line: what is wrong, and what to send. */
export const PARSE_ERROR_MESSAGE =
  "parse error: the line is not JSON; send one JSON-RPC message per line";

/** JSON-RPC's answer to a message that cannot be parsed: −32700, id null (no id can be read). */
export function parseErrorAnswer(): JSONRPCErrorResponse {
  // (JSON-RPC's id null, which the SDK's type, id optional, does not spell)
  return {
    jsonrpc: "2.0",
    id: null,
    error: { code: PARSE_ERROR, message: PARSE_ERROR_MESSAGE },
  } as unknown as JSONRPCErrorResponse;
}

/** Bytes kept of an oversized line's start and end, where its id is looked for. */
const OVERSIZED_ENDS = 256;

/** A request's id as a client writes it first (`{"jsonrpc":"2.0","id":1,…`) or last (the SDK's). */
const ID_FIRST = /^\s*\{\s*"jsonrpc"\s*:\s*"2\.0"\s*,\s*"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*,/;
const ID_LAST = /,\s*"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/;

/**
 * The −32600 answer to a stdin line longer than the SDK's transport takes
 * (STDIO_DEFAULT_MAX_BUFFER_SIZE): with its id when its first or last bytes show it at the top
 * level, so the client's request fails at once rather than waiting out its timeout; else null.
 */
export function oversizedLineAnswer(
  { head, tail, bytes }: { head: string; tail: string; bytes: number },
): JSONRPCErrorResponse {
  const found = ID_FIRST.exec(head)?.[1] ?? ID_LAST.exec(tail)?.[1];
  let id: string | number | null = null;
  try {
    const parsed = found === undefined ? null : JSON.parse(found);
    if (typeof parsed === "string" || Number.isSafeInteger(parsed)) id = parsed;
  } catch { /* no id to give */ }
  const limit = STDIO_DEFAULT_MAX_BUFFER_SIZE;
  return invalidRequest(
    id,
    `the message is ${bytes} bytes, over ${limit} (${
      limit / 1024 / 1024
    } MiB), the most one stdio line may hold; send a smaller request`,
  );
}

/**
 * `input` (the process's stdin) as the SDK's stdio transport reads it, less the lines that are no
 * JSON (each given parseErrorAnswer's −32700), JSON that is no JSON-RPC message (each given
 * invalidRequestAnswer's −32600) or longer than the transport takes (oversizedLineAnswer's
 * −32600, its bytes dropped as they come, never held whole): `answer`, the transport's send,
 * answers them instead. Every other line, a blank one among them, goes on as it came.
 */
export function answeringInvalidRequests(
  input: Readable,
  answer: (reply: JSONRPCErrorResponse) => void,
): Readable {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** the line being dropped as too long: its first bytes, its last ones, its length so far */
  let oversized: { head: Buffer; tail: Buffer; bytes: number } | null = null;
  const overflow = (piece: Buffer) => {
    oversized ??= { head: Buffer.alloc(0), tail: Buffer.alloc(0), bytes: 0 };
    if (oversized.head.length < OVERSIZED_ENDS) {
      oversized.head = Buffer.concat([oversized.head, piece.subarray(0, OVERSIZED_ENDS)])
        .subarray(0, OVERSIZED_ENDS);
    }
    const tail = Buffer.concat([oversized.tail, piece.subarray(-OVERSIZED_ENDS)]);
    oversized.tail = tail.subarray(Math.max(0, tail.length - OVERSIZED_ENDS));
    oversized.bytes += piece.length;
  };
  const refuseOversized = () => {
    const { head, tail, bytes } = oversized!;
    oversized = null;
    answer(oversizedLineAnswer({
      head: head.toString("utf8"),
      tail: tail.toString("utf8").replace(/\r?\n$/, ""),
      bytes,
    }));
  };
  const lines = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      let start = 0;
      for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
        const piece = bytes.subarray(start, end + 1);
        start = end + 1;
        // (the transport takes a line whose bytes, its newline too, are within its limit)
        if (oversized || pendingBytes + piece.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
          for (const held of pending) overflow(held);
          pending = [];
          pendingBytes = 0;
          overflow(piece);
          refuseOversized();
          continue;
        }
        const line = Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        const parsed = parsedLine(line);
        const reply = parsed === NOT_JSON
          ? parseErrorAnswer()
          : parsed === undefined
          ? null
          : invalidRequestAnswer(parsed, "stdio");
        if (reply) answer(reply);
        else this.push(line);
      }
      const rest = bytes.subarray(start);
      if (oversized) overflow(rest);
      else if (rest.length > 0) {
        pending.push(rest);
        pendingBytes += rest.length;
        if (pendingBytes > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
          // past the limit with no newline yet: dropped as it comes, answered at its end
          for (const held of pending) overflow(held);
          pending = [];
          pendingBytes = 0;
        }
      }
      done();
    },
    flush(done) {
      if (oversized) refuseOversized();
      else if (pendingBytes > 0) this.push(Buffer.concat(pending));
      done();
    },
  });
  // (the transport reports its input's errors: they reach it through `lines`)
  input.once("error", (error) => lines.destroy(error));
  return input.pipe(lines);
}

/** parsedLine's answer for a line that is not JSON */
const NOT_JSON = Symbol("not JSON");

/**
 * A line's JSON, as the SDK's ReadBuffer reads it (a trailing \r dropped); NOT_JSON if it is none,
 * undefined for a blank line (no message: nothing to answer).
 */
function parsedLine(line: Buffer): unknown {
  const text = line.toString("utf8").replace(/\r?\n$/, "");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * The HTTP transport's answer, with its refusal of JSON that is no JSON-RPC message (400, −32700,
 * id null) replaced by invalidRequestAnswer's −32600 (with the request's id when there is one),
 * and its 202 to an empty batch (no answer at all) by −32600 too. `body` is the request's body as
 * read before the transport (lib/mcp/request_body.ts): parsed again only for those two answers.
 */
export async function invalidRequestResponse(
  response: Response,
  body: Uint8Array,
): Promise<Response> {
  const refused = response.status === 400 && await sdkInvalidMessage(response);
  if (!refused && response.status !== 202) return response;
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return response;
  }
  // (a 202 is the answer to notifications and responses: only an empty batch is refused)
  if (!refused && !(Array.isArray(message) && message.length === 0)) return response;
  const reply = invalidRequestAnswer(message, "http");
  if (reply === null) return response;
  return new Response(JSON.stringify(reply), {
    status: 400,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Whether a 400 is the transport's −32700 "Invalid JSON-RPC message" (the JSON was read). */
async function sdkInvalidMessage(response: Response): Promise<boolean> {
  try {
    const { error } = await response.clone().json() as {
      error?: { code?: unknown; message?: unknown };
    };
    return error?.code === PARSE_ERROR && error.message === SDK_INVALID_MESSAGE;
  } catch {
    return false;
  }
}

/** The issues of a ZodError's message (a JSON array of `{ path, message }`), or null. */
function zodIssues(text: string): Issue[] | null {
  if (!text.startsWith("[")) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const isIssue = (value: unknown): value is Issue =>
    typeof value === "object" && value !== null &&
    Array.isArray((value as Issue).path) && typeof (value as Issue).message === "string";
  return Array.isArray(parsed) && parsed.length > 0 && parsed.every(isIssue) ? parsed : null;
}
