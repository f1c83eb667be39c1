/** `deno task docs` (tools/docs.ts) takes no arguments; README runs the MCP server as the task. */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { progressBody, RUN_STAGES } from "../lib/server/progress.ts";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { sourceSettings } from "../lib/core/config.ts";
import { SETTING_NAMES } from "../lib/core/setting_names.ts";
import { COLUMNS as EXPORT_COLUMNS, SNAPSHOT_ONLY_COLUMNS } from "../lib/frame/columns.ts";
import { revenueRulesFromEnv } from "../lib/revenue/rules.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { keepDailyDays } from "../lib/history/superseded.ts";
import { smtpSettingsFromEnv } from "../lib/delivery/smtp_settings.ts";
import { DEFAULT_SEGMENT_THRESHOLDS, segmentThresholdsFromEnv } from "../lib/report/segments.ts";

const TOOL = fileURLToPath(new URL("../tools/docs.ts", import.meta.url));
const COLUMNS = fileURLToPath(new URL("../docs/columns.md", import.meta.url));

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

/** What `deno run -A ENTRY --help` prints (it must exit 0). */
async function helpText(entry: string): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", fileURLToPath(new URL(`../${entry}`, import.meta.url)), "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

/** The long options a `--help` text lists (its option lines, `  --flag …` or `  -h, --help`). */
async function helpFlags(entry: string): Promise<Set<string>> {
  const lines = (await helpText(entry)).split("\n");
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

Deno.test("every --flag README and docs give after deno task NAME (a code span or a command line) is one NAME's --help prints", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  // tasks that run one of the kit's files, which prints its flags with --help (test's go to deno test)
  const entries = Object.entries(config.tasks).flatMap(([name, command]) =>
    /^deno run .* ((?:lib|bench|tools)\/\S+\.ts)(?: --fix)?$/.exec(command)?.slice(1).map((
      entry,
    ) => [name, entry] as const) ?? []
  );
  ok(entries.length >= 12, entries.map(([name]) => name).join(", "));
  const flags = new Map<string, Set<string>>();
  // any flag its help names, the usage line's too (the bench tools list theirs there alone)
  for (const [name, entry] of entries) {
    flags.set(name, new Set((await helpText(entry)).match(/--[a-z][a-z-]*/g)));
  }
  const pages = (await documentation()).filter(({ name }) =>
    name !== "docs/performance_history.md"
  );
  const unknown: string[] = [];
  let checked = 0;
  for (const { name: page, text } of pages) {
    for (
      const [, task, rest] of text.matchAll(/(?:`|^)deno task ([a-z][\w:]*)(?![\w:])([^`\n]*)/gm)
    ) {
      for (const flag of rest.split("#")[0].match(/(?<![\w-])--[a-z][a-z-]*/g) ?? []) {
        if (!flags.has(task)) continue;
        checked++;
        if (!flags.get(task)!.has(flag)) unknown.push(`${page}: deno task ${task} ${flag}`);
      }
    }
  }
  ok(checked > 40, `${checked} flags checked`);
  assertEquals(unknown, []);
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

const ENV_EXAMPLE = new URL("../.env.example", import.meta.url);

/** README.md and every docs/*.md page. */
async function documentation(): Promise<{ name: string; text: string }[]> {
  const pages = [{ name: "README.md", text: await Deno.readTextFile(README) }];
  for await (const entry of Deno.readDir(new URL("../docs/", import.meta.url))) {
    if (!entry.name.endsWith(".md")) continue;
    const text = await Deno.readTextFile(new URL(`../docs/${entry.name}`, import.meta.url));
    pages.push({ name: `docs/${entry.name}`, text });
  }
  return pages;
}

/** The value each `# KEY=value` line of .env.example gives (empty when it gives none). */
function exampleValues(text: string): Map<string, string> {
  return new Map(
    text.split("\n").flatMap((line) => {
      const match = /^#?\s*([A-Z][A-Z0-9_]*)=(\S*)/.exec(line);
      return match ? [[match[1], match[2]] as [string, string]] : [];
    }),
  );
}

/**
 * The defaults the settings tables give as one value (`` `120` ``, `587 (465 for tls)`), by
 * setting; a default in words (`unset`, `statement timeout + 30000`) is left out.
 */
function tabledDefaults(pages: { name: string; text: string }[]): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const { text } of pages) {
    for (const line of text.split("\n")) {
      const row = /^\|\s*`((?:PRICING|STRIPE)_[A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
      const value = row && /^`?([^`\s<>]+)`?(?:\s+\(.*\))?$/.exec(row[2])?.[1];
      if (row && value && !["—", "unset", "required", "(required)"].includes(value)) {
        defaults.set(row[1], value.replace(/\/$/, ""));
      }
    }
  }
  return defaults;
}

Deno.test("every default a settings table gives is .env.example's value, and the code's", async () => {
  const example = exampleValues(await Deno.readTextFile(ENV_EXAMPLE));
  const defaults = tabledDefaults(await documentation());
  ok(defaults.size > 30, `${defaults.size} tabled defaults`);
  assertEquals(
    [...defaults].filter(([name, value]) =>
      example.get(name) && example.get(name)!.replace(/\/$/, "") !== value
    ),
    [],
  );
  // each setting set to its documented default reads as the setting left unset
  const given = Object.fromEntries(defaults);
  const databases = {
    PRICING_PG_URL: "postgres://kit:pw@db.example.com:5432/postgres",
    PRICING_CH_URL: "https://clickhouse.example.com:8443",
  };
  assertEquals(sourceSettings({ ...databases, ...given }), sourceSettings(databases));
  assertEquals(revenueRulesFromEnv(given), revenueRulesFromEnv({}));
  const { env: _mcpEnv, ...mcp } = mcpSettings({});
  const { env: _givenEnv, ...mcpGiven } = mcpSettings(given);
  // the table's `outputs/` is the project folder's (README: the task's working folder), as the
  // default is whatever folder the server starts in
  const project = fileURLToPath(new URL("../", import.meta.url));
  assertEquals({ ...mcpGiven, exportsDir: resolve(project, mcpGiven.exportsDir) }, mcp);
  const demoArgs = parseServerArgs(["--demo"]);
  const { env: _serverEnv, ...server } = serverSettings(demoArgs, {});
  const { env: _serverGiven, ...serverGiven } = serverSettings(demoArgs, given);
  assertEquals(serverGiven, server);
  assertEquals(keepDailyDays(given), keepDailyDays({}));
  const mail = {
    PRICING_SMTP_HOST: "smtp.example.com",
    PRICING_EMAIL_FROM: "kit@example.com",
    PRICING_EMAIL_TO: "team@example.com",
  };
  assertEquals(smtpSettingsFromEnv({ ...mail, ...given }), smtpSettingsFromEnv(mail));
  // the segment thresholds have no table (docs/analysis.md gives them in their rules)
  const segments = Object.fromEntries(
    [...example].filter(([name]) => name.startsWith("PRICING_SEGMENT_")),
  );
  assertEquals(Object.keys(segments).length, Object.keys(DEFAULT_SEGMENT_THRESHOLDS).length);
  assertEquals(segmentThresholdsFromEnv(segments), DEFAULT_SEGMENT_THRESHOLDS);
});

Deno.test("every PRICING_ or STRIPE_ name lib/ reads or names as a setting is one of .env.example's", async () => {
  // env.NAME, env["NAME"] and a "NAME" string (a setting named in a message or a lookup);
  // constants such as PRICING_CHARTS are identifiers, never quoted
  const read = new Set<string>();
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(url);
        for (
          const match of text.matchAll(
            /(?:env\.|env\["|")((?:PRICING|STRIPE)_[A-Z0-9_]*[A-Z0-9])\b/g,
          )
        ) {
          read.add(match[1]);
        }
      }
    }
  };
  await walk(new URL("../lib/", import.meta.url));
  ok(read.size > 40, `${read.size} settings read`);
  const known = new Set(SETTING_NAMES);
  assertEquals([...read].filter((name) => !known.has(name)).sort(), []);
});

/** Whether `path` (relative to the project folder) is a file or folder there. */
async function exists(path: string): Promise<boolean> {
  return await Deno.stat(new URL(`../${path}`, import.meta.url)).then(() => true, () => false);
}

/** Every file under `folder` (a project path ending in /), by its name alone. */
async function namesUnder(folder: string, into = new Set<string>()): Promise<Set<string>> {
  for await (const entry of Deno.readDir(new URL(`../${folder}`, import.meta.url))) {
    if (entry.isDirectory) await namesUnder(`${folder}${entry.name}/`, into);
    else into.add(entry.name);
  }
  return into;
}

Deno.test("every project file README, docs and the notebooks name by path exists (performance_history.md, a record of past code, aside)", async () => {
  const pages = (await documentation()).filter(({ name }) =>
    name !== "docs/performance_history.md"
  );
  for (const notebook of ["export.ipynb", "pricing_questions.ipynb"]) {
    const url = new URL(`../notebooks/${notebook}`, import.meta.url);
    pages.push({ name: `notebooks/${notebook}`, text: await Deno.readTextFile(url) });
  }
  const named = pages.flatMap(({ name, text }) =>
    [...text.matchAll(/(?<![\w/.-])((?:lib|tests|bench|tools|queries)\/[\w/.-]*\.(?:ts|sql))/g)]
      .map((match) => ({ name, path: match[1] }))
  );
  ok(named.length > 100, `${named.length} paths named`);
  const missing = [];
  for (const { name, path } of named) if (!(await exists(path))) missing.push(`${name}: ${path}`);
  assertEquals(missing, []);
});

Deno.test("every file docs/development.md's layout names under a folder is in that folder (a split or rename leaves no stale name)", async () => {
  const text = await Deno.readTextFile(new URL("../docs/development.md", import.meta.url));
  const layout = text.split("\n## Layout\n")[1]?.split("\n```\n")[1] ?? "";
  ok(layout.includes("lib/economics/"), "the Layout block");
  let folder = "";
  const missing: string[] = [];
  let checked = 0;
  for (const line of layout.split("\n")) {
    // a line not indented starts an entry: a folder (lib/economics/, bench/) or a file (lib/export.ts)
    if (!/^\s/.test(line)) folder = /^([\w/]+\/)\s/.exec(line)?.[1] ?? "";
    if (!folder) continue;
    const names = await namesUnder(folder);
    // bare names only: a path (lib/formats/…, clickhouse/…) is the test above's
    for (const [, name] of line.matchAll(/(?<![\w/.-])(\w+\.ts)\b/g)) {
      checked++;
      if (!names.has(name)) missing.push(`${folder}: ${name}`);
    }
  }
  ok(checked > 100, `${checked} names checked`);
  assertEquals(missing, []);
});

/** Every `.ts` file's text under lib/, joined. */
async function libSource(dir = new URL("../lib/", import.meta.url)): Promise<string> {
  const texts: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) texts.push(await libSource(url));
    else if (entry.name.endsWith(".ts")) texts.push(await Deno.readTextFile(url));
  }
  return texts.join("\n");
}

Deno.test("every window column README, docs and the notebooks name in code (`…_30d`, `…_all_time`) is the column table's, a column on a 30-day basis (`…_per_30d`) or a field the kit writes", async () => {
  const columns = new Set([...EXPORT_COLUMNS, ...SNAPSHOT_ONLY_COLUMNS].map(({ name }) => name));
  const source = await libSource();
  const pages = (await documentation()).filter(({ name }) =>
    name !== "docs/performance_history.md"
  );
  for (const notebook of ["export.ipynb", "pricing_questions.ipynb"]) {
    const url = new URL(`../notebooks/${notebook}`, import.meta.url);
    pages.push({ name: `notebooks/${notebook}`, text: await Deno.readTextFile(url) });
  }
  const unknown: string[] = [];
  let checked = 0;
  for (const { name: page, text } of pages) {
    for (const [, name] of text.matchAll(/`([a-z][a-z0-9_]*_(?:30d|all_time))`/g)) {
      checked++;
      const perThirty = /^(\w+)_per_30d$/.exec(name)?.[1];
      // a field of a table or answer the kit writes (an MCP key, `name: value`)
      const field = new RegExp(`(?<![\\w.])${name}(?:: |": )`).test(source);
      if (!columns.has(name) && !(perThirty && columns.has(`${perThirty}_30d`)) && !field) {
        unknown.push(`${page}: ${name}`);
      }
    }
  }
  ok(checked > 80, `${checked} names checked`);
  assertEquals(unknown, []);
});

Deno.test("every PRICING_ or STRIPE_ name README, docs and the notebooks give is a setting, one the tests read, or README's misspelled example", async () => {
  const known = new Set<string>(SETTING_NAMES);
  const tests = (await Promise.all(
    [...Deno.readDirSync(new URL("./", import.meta.url))]
      .filter(({ name, isFile }) => isFile && name.endsWith(".ts"))
      .map(({ name }) => Deno.readTextFile(new URL(name, import.meta.url))),
  )).join("\n");
  // the Configuration section's names of settings that are not (a typo the kit warns of)
  const misspelled = ["PRICING_PG_URI", "PRICING_PG_ULR"];
  const pages = (await documentation()).filter(({ name }) =>
    name !== "docs/performance_history.md"
  );
  for (const notebook of ["export.ipynb", "pricing_questions.ipynb"]) {
    const url = new URL(`../notebooks/${notebook}`, import.meta.url);
    pages.push({ name: `notebooks/${notebook}`, text: await Deno.readTextFile(url) });
  }
  const unknown = new Set<string>();
  let checked = 0;
  for (const { name: page, text } of pages) {
    for (const [, name] of text.matchAll(/\b((?:PRICING|STRIPE)_[A-Z0-9_]*[A-Z0-9])\b/g)) {
      checked++;
      const ofTests = new RegExp(`"${name}"`).test(tests);
      if (!known.has(name) && !ofTests && !misspelled.includes(name)) {
        unknown.add(`${page}: ${name}`);
      }
    }
  }
  ok(checked > 200, `${checked} names checked`);
  assertEquals([...unknown], []);
});
