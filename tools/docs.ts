/**
 * `deno task docs`: regenerates the column section of docs/columns.md from the column table
 * (lib/frame/columns.ts) and formats the file. It takes no arguments: `deno task` passes them to
 * the task's last command, and `deno task docs --help` once ran `deno fmt docs/columns.md --help`
 * after regenerating, leaving the tracked file unformatted.
 */
import { fileURLToPath } from "node:url";
import { withColumnsSection } from "../lib/report/dictionary.ts";

const HELP = `Usage: deno task docs

Regenerates the column section of docs/columns.md from lib/frame/columns.ts and formats the
file with deno fmt. Takes no options.
`;

async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    console.log(HELP);
    return 0;
  }
  if (args.length > 0) {
    console.error(`error: deno task docs takes no arguments (got ${args[0]}); see --help`);
    return 1;
  }
  const path = fileURLToPath(new URL("../docs/columns.md", import.meta.url));
  await Deno.writeTextFile(path, withColumnsSection(await Deno.readTextFile(path)));
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path] }).output();
  if (fmt.code !== 0) {
    console.error(`error: deno fmt ${path} failed: ${new TextDecoder().decode(fmt.stderr).trim()}`);
    return 1;
  }
  console.log(`${path} regenerated and formatted`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
