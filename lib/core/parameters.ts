/**
 * Numeric parameters given as an object (the questions notebook's `thresholds` and `modelPrices`):
 * defaults filled in, a misspelled key refused naming the nearest valid one (it was ignored, so
 * the default was used without a word), a bad value refused with the value as typed. Errors are
 * one-line UserErrors whose stack is their message: a notebook cell calling a question directly
 * shows the line, not frames inside lib/.
 */
import { UserError } from "./config.ts";
import { nearestName } from "./nearest_name.ts";
import { quoteParameter } from "./quote.ts";

/** What a parameter may hold: a number ≥ `min` (default 0), whole when `whole`. */
export interface NumberRule {
  min?: number;
  whole?: boolean;
}

/** A UserError whose stack is its one line. */
export function parameterError(message: string): UserError {
  const error = new UserError(message);
  error.stack = `${error.name}: ${message}`;
  return error;
}

/**
 * `given` over `defaults` (a key given as undefined keeps its default). `name` is the parameter's
 * as the caller's user spells it (`thresholds`); `rules` the keys that are not plain numbers ≥ 0.
 */
export function numberParameters<T extends { [K in keyof T]: number }>(
  given: unknown,
  { name, defaults, rules = {} }: {
    name: string;
    defaults: Readonly<T>;
    rules?: Partial<Record<keyof T, NumberRule>>;
  },
): T {
  if (given === undefined) return { ...defaults };
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw parameterError(
      `${name} must be an object of numbers such as { ${Object.keys(defaults)[0]}: ${
        Object.values(defaults)[0]
      } }, got ${quoteParameter(given)}`,
    );
  }
  const keys = Object.keys(defaults);
  const result = { ...defaults } as Record<string, number>;
  for (const [key, value] of Object.entries(given)) {
    if (!keys.includes(key)) {
      const nearest = nearestName(key, keys);
      throw parameterError(
        `${name} has no ${JSON.stringify(key)}${
          nearest ? `: did you mean ${nearest}?` : ""
        } (${name}: ${keys.join(", ")})`,
      );
    }
    if (value === undefined) continue;
    const { min = 0, whole = false } = (rules as Record<string, NumberRule>)[key] ?? {};
    if (
      typeof value !== "number" || !Number.isFinite(value) || value < min ||
      (whole && !Number.isInteger(value))
    ) {
      throw parameterError(
        `${name}.${key} must be a ${whole ? "whole number" : "number"} ≥ ${min}, got ${
          quoteParameter(value)
        }`,
      );
    }
    result[key] = value;
  }
  return result as T;
}
