/**
 * Tool input schemas that refuse unknown arguments. The SDK turns a raw shape into a plain object
 * schema, which drops keys it does not know without a word: `run_export {"as_of": …}` exported as
 * of now, `key_question {"top": 3}` ignored top. A strict object refuses them with one line naming
 * the key and the arguments the tool takes (and lists `additionalProperties: false` for clients).
 */
import { z } from "zod";
import { quoteValue } from "../core/quote.ts";
import { dataLiteral } from "./text.ts";

/** The keys a caller sent that the schema does not know, quoted (a key is client text). */
function keysText(keys: readonly string[]): string {
  return keys.map((k) => quoteValue(k, dataLiteral)).join(", ");
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
