/**
 * A request whose params do not have the protocol's shape (tools/call with `arguments` a string or
 * an array, a tool's name a number) was answered with the SDK's −32603 "internal error" carrying
 * its Zod issues as a multi-line JSON dump: the SDK (1.32) parses a request's params before any
 * handler of ours runs and has no hook for that error. The transport's outgoing answers are read
 * here instead: such an answer becomes −32602 (invalid params) in one line naming each field and
 * what it must be. Every other message goes out as it is.
 *
 * A message that is not a JSON-RPC request at all to the SDK's transports (`params` a string, no
 * `method`, a key the protocol does not have) never reaches a handler: over stdio the transport
 * drops it (its onerror only), so the client waited for an answer that never came, and over HTTP
 * it answers 400 with −32700 "Parse error" and id null, though the JSON was read. Such a message
 * with an id that can be read (a string or number) gets −32600 (invalid request) with that id in
 * one line naming what is wrong (invalidRequestAnswer): over stdio its line is read before the
 * transport's (answeringInvalidRequests), over HTTP the transport's refusal is replaced by it
 * (invalidRequestResponse, still 400: MCP's HTTP status for a message the server cannot accept).
 *
 * A stdin line that is not JSON at all was dropped the same way (no answer, nothing on stderr),
 * where HTTP answers −32700: it gets JSON-RPC's parse error, −32700 with id null, in one line
 * (answeringInvalidRequests). A blank line is no message and goes on as it came.
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
        /\bexpected (record|object)\b/,
        "expected an object",
      )
    }`
  ).join("; ");
}

/**
 * The −32600 answer to a message the SDK's transports refuse (it is no JSON-RPC message by the
 * protocol's schema) that is a request whose id can be read: an object with a string or number
 * `id` that is not a response (`result` or `error` without a `method`: a response is never
 * answered). Null for anything else, a valid message first of all (the SDK takes those).
 */
export function invalidRequestAnswer(message: unknown): JSONRPCErrorResponse | null {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return null;
  const { id } = message as { id?: unknown };
  if (typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) return null;
  if (!("method" in message) && ("result" in message || "error" in message)) return null;
  if (JSONRPCMessageSchema.safeParse(message).success) return null;
  const issues = JSONRPCRequestSchema.safeParse(message).error?.issues ?? [];
  const what = issues.length > 0
    ? issueList(issues.map((i) => ({ path: i.path.map(String), message: i.message })), "request")
    : "not a JSON-RPC request";
  return {
    jsonrpc: "2.0",
    id,
    error: { code: INVALID_REQUEST, message: oneLineError(`invalid request: ${what}`) },
  };
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

/**
 * `input` (the process's stdin) as the SDK's stdio transport reads it, less the lines that are no
 * JSON (each given parseErrorAnswer's −32700) or an invalid request with a readable id (each given
 * its −32600): `answer`, the transport's send, answers them instead. Every other line, a blank one
 * and a line longer than the transport takes (its own refusal follows) among them, goes on as it
 * came.
 */
export function answeringInvalidRequests(
  input: Readable,
  answer: (reply: JSONRPCErrorResponse) => void,
): Readable {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const lines = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      let start = 0;
      for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
        const line = Buffer.concat([...pending, bytes.subarray(start, end + 1)]);
        pending = [];
        pendingBytes = 0;
        start = end + 1;
        const parsed = parsedLine(line);
        const reply = parsed === NOT_JSON ? parseErrorAnswer() : invalidRequestAnswer(parsed);
        if (reply) answer(reply);
        else this.push(line);
      }
      if (start < bytes.length) {
        pending.push(bytes.subarray(start));
        pendingBytes += bytes.length - start;
      }
      if (pendingBytes > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
        this.push(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
      done();
    },
    flush(done) {
      if (pendingBytes > 0) this.push(Buffer.concat(pending));
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
 * The HTTP transport's answer, with its refusal of a message that is no JSON-RPC message (400,
 * −32700, id null) replaced by invalidRequestAnswer's −32600 with the request's id when there is
 * one. `body` is the request's body as read before the transport (lib/mcp/request_body.ts): parsed
 * again only for such a refusal.
 */
export async function invalidRequestResponse(
  response: Response,
  body: Uint8Array,
): Promise<Response> {
  const refused = response.status === 400 && await sdkInvalidMessage(response);
  if (!refused) return response;
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return response;
  }
  const reply = invalidRequestAnswer(message);
  if (reply === null) return response;
  return new Response(JSON.stringify(reply), { status: 400, headers: response.headers });
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
