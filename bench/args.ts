/**
 * The benchmarks' command lines (bench, bench:timeline, bench:server, bench:ab, bench:memtrace):
 * -h/--help prints the usage, and an unknown or malformed flag is one line pointing at --help with
 * exit code 1, as the kit's other tasks (lib/cli/args.ts), never node's uncaught TypeError and its
 * stack.
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { parseFlags } from "../lib/cli/args.ts";

const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

/** The values of `options` in `args`; prints `usage` and exits 0 on --help, exits 1 on a bad flag. */
export function benchFlags<T extends ParseArgsOptionsConfig>(
  args: string[],
  { options, usage }: { options: T; usage: string },
) {
  let parsed;
  try {
    parsed = parseFlags({
      args,
      options: { ...options, ...HELP_FLAG } as T & typeof HELP_FLAG,
      strict: true,
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    Deno.exit(0);
  }
  return parsed.values;
}

/** The export formats a benchmark's --format takes. */
export const FORMATS = ["csv", "xlsx", "both"] as const;

/** Exits 1 with one line: a flag whose value cannot be used. */
export function benchFail(line: string): never {
  console.error(`error: ${line}`);
  Deno.exit(1);
}

/** `value` when it is one of `choices`; else one line naming them (exit 1). */
export function benchChoice(
  flag: string,
  value: string | undefined,
  choices: readonly string[],
): string {
  if (value !== undefined && choices.includes(value)) return value;
  const listed = `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}`;
  return benchFail(`--${flag} must be ${listed}, got ${JSON.stringify(value)}`);
}

/** `value` as a whole number of at least `min`; else one line (exit 1). */
export function benchWholeNumber(flag: string, value: string | undefined, min: number): number {
  const number = Number(value);
  if (Number.isInteger(number) && number >= min) return number;
  return benchFail(
    `--${flag} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`,
  );
}
