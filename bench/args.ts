/**
 * The benchmarks' command lines (bench, bench:timeline, bench:server): -h/--help prints the usage,
 * and an unknown or malformed flag is one line pointing at --help with exit code 1, as the kit's
 * other tasks (lib/cli/args.ts), never node's uncaught TypeError and its stack.
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
