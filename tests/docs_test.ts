/** `deno task docs` (tools/docs.ts): takes no arguments, so none reaches `deno fmt`. */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";

const TOOL = new URL("../tools/docs.ts", import.meta.url).pathname;
const COLUMNS = new URL("../docs/columns.md", import.meta.url).pathname;

async function runDocs(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", TOOL, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task docs --help prints its help; any other argument is refused; the file is untouched", async () => {
  const before = await Deno.stat(COLUMNS);
  const help = await runDocs(["--help"]);
  assertEquals(help.code, 0, help.stderr);
  ok(help.stdout.startsWith("Usage: deno task docs"));
  const other = await runDocs(["--check"]);
  assertEquals(other.code, 1);
  assertEquals(other.stderr.trim().split("\n").length, 1, other.stderr);
  match(other.stderr, /^error: deno task docs takes no arguments \(got --check\); see --help/);
  assertEquals((await Deno.stat(COLUMNS)).mtime, before.mtime, "docs/columns.md not rewritten");
});
