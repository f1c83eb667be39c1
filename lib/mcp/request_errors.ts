/**
 * A request whose params do not have the protocol's shape (tools/call with `arguments` a string or
 * an array, a tool's name a number) was answered with the SDK's −32603 "internal error" carrying
 * its Zod issues as a multi-line JSON dump: the SDK (1.32) parses a request's params before any
 * handler of ours runs and has no hook for that error. The transport's outgoing answers are read
 * here instead: such an answer becomes −32602 (invalid params) in one line naming each field and
 * what it must be. Every other message goes out as it is.
 */
// @ts-types="@modelcontextprotocol/sdk/shared/transport"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { oneLineError } from "./text.ts";

const INTERNAL_ERROR = -32603;
const INVALID_PARAMS = -32602;

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
  const fields = issues.map((issue) =>
    `${issue.path.join(".") || "params"}: ${
      issue.message.replace(/^Invalid input: /, "").replace(
        /\bexpected record\b/,
        "expected an object",
      )
    }`
  ).join("; ");
  // a path holds the client's own keys: escaped and cut as every error's text (oneLineError)
  return {
    ...message,
    error: { code: INVALID_PARAMS, message: oneLineError(`invalid request params: ${fields}`) },
  };
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
