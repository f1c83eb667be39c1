/** `deno task docs` (tools/docs.ts) takes no arguments; README runs the MCP server as the task. */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { progressBody, RUN_STAGES } from "../lib/server/progress.ts";

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

Deno.test("README's Claude Desktop and Claude Code command lines start the MCP server as deno task mcp does (its V8 flags)", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const flags = config.tasks.mcp.match(/--v8-flags=\S+/)?.[0];
  ok(flags, config.tasks.mcp);
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const lines = readme.split("\n");
  const desktop = lines.findIndex((line) =>
    line.includes('"/path/to/pricing-kit/lib/mcp/main.ts"')
  );
  ok(desktop > 0, "the Claude Desktop config");
  assertEquals(lines[desktop - 1].trim(), `"${flags}",`);
  const code = lines.find((line) => line.startsWith("claude mcp add pricing-kit -- deno run"));
  ok(code?.includes(` ${flags} /path/to/pricing-kit/lib/mcp/main.ts `), code);
});

const README = new URL("../README.md", import.meta.url);

/** The long options a `--help` text lists (its option lines, `  --flag …` or `  -h, --help`). */
async function helpFlags(entry: string): Promise<Set<string>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(`../${entry}`, import.meta.url).pathname, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  const lines = new TextDecoder().decode(output.stdout).split("\n");
  return new Set(
    lines.flatMap((line) => /^ {2}(?:-\w, )?(--[a-z-]+)/.exec(line)?.[1] ?? []),
  );
}

/** The flags named in the first cells of the table under `heading` (README's Export options). */
function tableFlags(markdown: string, heading: string): Set<string> {
  const section = markdown.split(`\n## ${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  ok(section, heading);
  return new Set(
    section.split("\n").flatMap((line) => {
      const cell = /^\|([^|]*)\|/.exec(line)?.[1] ?? "";
      return cell.match(/--[a-z][a-z-]*/g) ?? [];
    }),
  );
}

Deno.test("README's export options table lists exactly the flags deno task export --help prints", async () => {
  const help = await helpFlags("lib/cli/export.ts");
  help.delete("--help");
  const table = tableFlags(await Deno.readTextFile(README), "Export options");
  assertEquals([...table].sort(), [...help].sort());
});

Deno.test("docs/server.md's Flags line names exactly the flags deno task serve --help prints", async () => {
  const help = await helpFlags("lib/server/main.ts");
  const server = await Deno.readTextFile(new URL("../docs/server.md", import.meta.url));
  const line = /\nFlags: ([^\n]*(?:\n[^\n]+)*)/.exec(server)?.[1] ?? "";
  ok(line, "the Flags paragraph");
  assertEquals([...new Set(line.match(/--[a-z-]+/g))].sort(), [...help].sort());
});

Deno.test("every task in deno.json is named in README as deno task NAME", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const readme = await Deno.readTextFile(README);
  const unnamed = Object.keys(config.tasks).filter((name) =>
    !new RegExp(`deno task ${name.replace(":", "\\:")}(?![\\w:])`).test(readme)
  );
  assertEquals(unnamed, []);
});

Deno.test("docs/server.md names every stage label the progress endpoint gives, on live, demo and Stripe-skipped servers", async () => {
  const server = (await Deno.readTextFile(new URL("../docs/server.md", import.meta.url)))
    .replace(/\s+/g, " ");
  const labels = new Set<string>();
  for (
    const kind of [{ demo: false, stripe: "auto" }, { demo: true, stripe: "auto" }, {
      demo: false,
      stripe: "skip",
    }]
  ) {
    for (const stage of [null, ...RUN_STAGES]) {
      labels.add(progressBody({ stage, organizations: null }, kind).run!.label as string);
    }
  }
  ok(labels.size >= 8, [...labels].join(", "));
  assertEquals([...labels].filter((label) => !server.includes(`\`${label}\``)), []);
});
