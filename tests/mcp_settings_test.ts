/**
 * lib/mcp/settings.ts: each setting refused at start with one line naming it and what it takes; a
 * long bad value is quoted cut (its first 40 characters and its length).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { checkExportsDir, mcpSettings, MIN_MAX_BYTES } from "../lib/mcp/settings.ts";
import { denoCacheEnv } from "./env.ts";

Deno.test("defaults; a bad value is one line naming the setting, a long one quoted cut", () => {
  const settings = mcpSettings({});
  assertEquals(settings.maxRows, 200);
  assertEquals(settings.maxBytes, 65536);
  assertEquals(settings.databaseSqlMaxMb, 16);
  assertEquals(mcpSettings({ PRICING_MCP_DATABASE_SQL_MAX_MB: "1" }).databaseSqlMaxMb, 1);
  // query_sql's process start: 30 s unless set, in whole seconds
  assertEquals(settings.sqlStartMs, 30_000);
  assertEquals(mcpSettings({ PRICING_MCP_SQL_START_SECONDS: "90" }).sqlStartMs, 90_000);
  throws(
    () => mcpSettings({ PRICING_MCP_SQL_START_SECONDS: "0" }),
    /^UserError: PRICING_MCP_SQL_START_SECONDS must be a whole number from 1 to 3600, got "0"$/,
  );
  throws(
    () => mcpSettings({ PRICING_MCP_DATABASE_SQL_MAX_MB: "0.5" }),
    /^UserError: PRICING_MCP_DATABASE_SQL_MAX_MB must be a whole number from 1 to 1024, got "0.5"$/,
  );
  throws(
    () => mcpSettings({ PRICING_MCP_MAX_ROWS: "0" }),
    /^UserError: PRICING_MCP_MAX_ROWS must be a whole number from 1 to 5000, got "0"$/,
  );
  throws(
    () => mcpSettings({ PRICING_MCP_MAX_ROWS: "9".repeat(5000) }),
    new RegExp(
      `^UserError: PRICING_MCP_MAX_ROWS must be .*, got "${
        "9".repeat(40)
      }"… \\(5,000 characters\\)$`,
    ),
  );
  throws(
    () => mcpSettings({ PRICING_MCP_ALLOW_EXPORT: "y".repeat(100) }),
    new RegExp(`^UserError: PRICING_MCP_ALLOW_EXPORT must be 1 or 0, got "${"y".repeat(40)}"… `),
  );
});

Deno.test("PRICING_MCP_MAX_BYTES below 8192 is refused: smaller results cannot hold every answer", () => {
  assertEquals(MIN_MAX_BYTES, 8192);
  assertEquals(mcpSettings({ PRICING_MCP_MAX_BYTES: "8192" }).maxBytes, 8192);
  for (const small of ["10", "256", "8191"]) {
    throws(
      () => mcpSettings({ PRICING_MCP_MAX_BYTES: small }),
      new RegExp(
        `^UserError: PRICING_MCP_MAX_BYTES must be a whole number from 8192 to 4194304 \\(smaller results cannot hold every tool's answer\\), got "${small}"$`,
      ),
    );
  }
});

/** `deno task mcp` or `deno task serve --demo` with `env`, its stdin closed: exit code and output. */
function startWith(main: string, env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      main,
      ...(main.includes("server") ? ["--demo", "--port", "0"] : []),
      "--env-file",
      "/dev/null",
    ],
    cwd: fileURLToPath(new URL("../", import.meta.url)),
    env: {
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "",
      ...denoCacheEnv(),
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("deno task mcp and deno task serve refuse PRICING_MCP_MAX_BYTES=10 at start, one line", async () => {
  for (const main of ["lib/mcp/main.ts", "lib/server/main.ts"]) {
    const output = await startWith(main, { PRICING_MCP_MAX_BYTES: "10" });
    assertEquals(output.code, 1, main);
    assertEquals(
      new TextDecoder().decode(output.stderr),
      'error: PRICING_MCP_MAX_BYTES must be a whole number from 8192 to 4194304 (smaller results cannot hold every tool\'s answer), got "10"\n',
      main,
    );
    assertEquals(output.stdout.length, 0, `${main}: nothing on stdout`);
  }
});

Deno.test("an exports folder PRICING_MCP_EXPORTS_DIR names that is missing or a file is refused at start", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/nonexistent`;
    const file = `${dir}/a_file`;
    await Deno.writeTextFile(file, "");
    const fix =
      "set PRICING_MCP_EXPORTS_DIR to the folder the exports are written to (deno task export --out-dir), or unset it for outputs/";
    for (const main of ["lib/mcp/main.ts", "lib/server/main.ts"]) {
      for (
        const [path, problem] of [[missing, "does not exist"], [file, "is a file, not a folder"]]
      ) {
        const output = await startWith(main, { PRICING_MCP_EXPORTS_DIR: path });
        assertEquals(output.code, 1, main);
        assertEquals(
          new TextDecoder().decode(output.stderr),
          `error: PRICING_MCP_EXPORTS_DIR ${path} ${problem}; ${fix}\n`,
          main,
        );
        assertEquals(output.stdout.length, 0, `${main}: nothing on stdout`);
      }
    }
    // the documented first run: no folder yet where the exports will be written (the default
    // outputs/, or any folder run_export makes): the demo data, with a warning for stderr
    const firstRun = { ...mcpSettings({}), exportsDir: missing };
    assertEquals(
      await checkExportsDir(firstRun),
      `warning: the exports folder ${missing} does not exist yet: serving the built-in demo dataset until an export is written there (deno task export)`,
    );
    assertEquals(
      await checkExportsDir(
        mcpSettings({ PRICING_MCP_EXPORTS_DIR: missing, PRICING_MCP_ALLOW_EXPORT: "1" }),
      ),
      `warning: PRICING_MCP_EXPORTS_DIR ${missing} does not exist yet: serving the built-in demo dataset until an export is written there (run_export makes it)`,
    );
    assertEquals(await checkExportsDir(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PRICING_MCP_EXPORTS_DIR written ~/… is refused at start naming the full path, run_export on or off", async () => {
  // only a shell expands ~: with run_export on, the folder was 'not there yet' and served the
  // demo data; off, it was said not to exist, without the path to give instead
  const home = Deno.env.get("HOME") || Deno.env.get("USERPROFILE");
  const full = home ? JSON.stringify(join(home, "pk-exports")) : "the full path";
  const line =
    `PRICING_MCP_EXPORTS_DIR ~/pk-exports starts with ~, which only a shell expands to the home folder; set PRICING_MCP_EXPORTS_DIR to ${full}`;
  for (const allow of ["0", "1"]) {
    const settings = mcpSettings({
      PRICING_MCP_EXPORTS_DIR: "~/pk-exports",
      PRICING_MCP_ALLOW_EXPORT: allow,
    });
    let message = "";
    await checkExportsDir(settings).catch((error) => message = error.message);
    assertEquals(message, line, `PRICING_MCP_ALLOW_EXPORT=${allow}`);
  }
});
