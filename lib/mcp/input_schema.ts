/**
 * Tool input schemas that refuse unknown arguments. The SDK turns a raw shape into a plain object
 * schema, which drops keys it does not know without a word: `run_export {"as_of": …}` exported as
 * of now, `key_question {"top": 3}` ignored top. A strict object refuses them with one line naming
 * the key and the arguments the tool takes (and lists `additionalProperties: false` for clients).
 */
import { numberTextHint } from "../core/number_text.ts";
import { z } from "zod";
import { quoteValue } from "../core/quote.ts";
import { dataLiteral, textNumber } from "./text.ts";

/** The keys a caller sent that the schema does not know, quoted (a key is client text). */
function keysText(keys: readonly string[]): string {
  return keys.map((k) => quoteValue(k, { quote: dataLiteral })).join(", ");
}

/** `names` for a message: "none" when empty. */
function namesText(names: string[]): string {
  return names.length > 0 ? names.join(", ") : "none";
}

/** A tool's arguments: unknown ones refused, "unknown argument "x" (arguments: a, b)". */
export function strictInput<Shape extends z.ZodRawShape>(shape: Shape) {
  const names = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown argument ${keysText(issue.keys)} (arguments: ${namesText(names)})`
        : undefined,
  });
}

/** An object argument's fields: unknown ones refused, "unknown field "x" of `owner` (fields: …)". */
export function strictFields<Shape extends z.ZodRawShape>(shape: Shape, owner: string) {
  const names = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown field ${keysText(issue.keys)} of ${owner} (fields: ${namesText(names)})`
        : undefined,
  });
}

/** A refused argument's path as a caller wrote it: `thresholds.top`, `columns[0]`. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((key, i) =>
    typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`
  ).join("");
}

/** The value at `path` in what the caller sent (undefined: not sent). */
function valueAt(args: unknown, path: readonly PropertyKey[]): unknown {
  let value = args;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** What a schema's type asks for, in words. */
const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
};

/** What the caller sent, in words, with the value itself when short (quoted: it is client text). */
function sentText(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return quoteValue(value, { quote: dataLiteral });
  if (typeof value === "number") return textNumber(value);
  return String(value);
}

/** A bound's words: "at least 1", "more than 0" (an exclusive one). */
function boundText(
  kind: "least" | "most",
  { bound, inclusive }: { bound: unknown; inclusive: unknown },
): string {
  const words = inclusive === false ? (kind === "least" ? "more than" : "less than") : `at ${kind}`;
  return `${words} ${typeof bound === "number" ? textNumber(bound) : String(bound)}`;
}

/** One refused value's line: what it must be and what was sent (zod's wording left for the rest). */
function issueText(issue: z.core.$ZodIssue, args: unknown): string {
  const name = pathText(issue.path);
  const what = issue.path.length > 1 ? `field ${name}` : `argument ${name}`;
  const value = valueAt(args, issue.path);
  const expected = issue.code === "invalid_value"
    ? `one of ${issue.values.map((v) => typeof v === "string" ? v : String(v)).join(", ")}`
    : issue.code === "invalid_type"
    ? EXPECTED[issue.expected] ?? issue.expected
    : null;
  if (expected !== null) {
    return value === undefined
      ? `missing ${what}: give ${expected}`
      : `${what} must be ${expected}, got ${sentText(value)}${
        issue.code === "invalid_type" && issue.expected === "number"
          ? numberTextHint(value, name)
          : ""
      }`;
  }
  if (issue.code === "too_small" || issue.code === "too_big") {
    const kind = issue.code === "too_small" ? "least" : "most";
    const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
    if (issue.origin === "string" && typeof value === "string") {
      return kind === "least" && bound === 1
        ? `${what} must not be empty`
        : `${what} must be ${
          boundText(kind, { bound, inclusive: issue.inclusive })
        } characters, got ${value.length}`;
    }
    if (issue.origin === "array" && Array.isArray(value)) {
      return `${what} must list ${
        boundText(kind, { bound, inclusive: issue.inclusive })
      } items, got ${value.length}`;
    }
    return `${what} must be ${boundText(kind, { bound, inclusive: issue.inclusive })}, got ${
      sentText(value)
    }`;
  }
  // (an unknown argument's or field's message names it already: strictInput, strictFields)
  if (issue.code === "unrecognized_keys") return issue.message;
  return `${what}: ${issue.message}`;
}

/**
 * A tool's refused arguments in one line a model can act on: each names the argument and what it
 * must be (`missing argument sql: give a string`, `field thresholds.top must be a whole number, got
 * 1.5`), joined by "; ", unknown arguments first (most often the cause of a missing one). Zod's own
 * wording said neither "missing" nor what to send: `Invalid input: expected string, received
 * undefined at sql`, `expected int, received number`, `expected record`.
 */
export function inputIssuesText(issues: readonly z.core.$ZodIssue[], args: unknown): string {
  const unknownFirst = [
    ...issues.filter((issue) => issue.code === "unrecognized_keys"),
    ...issues.filter((issue) => issue.code !== "unrecognized_keys"),
  ];
  return unknownFirst.map((issue) => issueText(issue, args)).join("; ");
}
