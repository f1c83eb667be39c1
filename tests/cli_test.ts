/**
 * The command line as a user meets it: a separate process, its exit code and what it prints.
 * Tasks typed in another folder and --quiet: cli_tasks_test.ts; Ctrl-C and SIGTERM:
 * cli_signals_test.ts.
 */
import { deepStrictEqual as assertEquals, match, ok, throws } from "node:assert/strict";
import { HELP, parseAsOf, parseCli } from "../lib/cli/export.ts";
import { CLI } from "./cli_run.ts";
import { refusedPort } from "./refused_port.ts";

async function runCli(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    // no settings file unless the test names one (a flag given twice is refused)
    args: [
      "run",
      "-A",
      CLI,
      ...(args.some((a) => a.startsWith("--env-file")) ? [] : ["--env-file", "/dev/null"]),
      ...args,
    ],
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("parseCli maps flags to options and rejects contradictions", () => {
  const cli = parseCli([
    "--format",
    "csv",
    "--days",
    "7",
    "--as-of",
    "2026-11-01",
    "--skip-stripe",
  ]);
  assertEquals(cli.options.formats, ["csv"]);
  assertEquals(cli.options.windowDays, 7);
  assertEquals(cli.options.asOf?.toISOString(), "2026-11-01T00:00:00.000Z");
  assertEquals(cli.options.stripe, "skip");
  assertEquals(parseCli(["--format", "csv,xlsx"]).options.formats, ["csv", "xlsx"]);
  assertEquals(parseAsOf("2026-11-01T12:30:00Z").toISOString(), "2026-11-01T12:30:00.000Z");
  // The one window rule (lib/core/window.ts): a timestamp without a zone is ambiguous, refused.
  throws(() => parseAsOf("2026-11-01 12:30"), /--as-of must be a date like 2026-11-01/);
  // --refresh-stripe and --require-stripe combine; --skip-stripe takes neither
  assertEquals(
    parseCli(["--refresh-stripe", "--require-stripe"]).options.stripe,
    "refresh-require",
  );
  throws(() => parseCli(["--skip-stripe", "--require-stripe"]), /--skip-stripe cannot/);
  throws(() => parseCli(["--demo", "--live"]), /^UserError: --demo and --live contradict/);
  throws(
    () => parseCli(["--quiet", "--verbose"]),
    /^UserError: --quiet and --verbose contradict each other; pick one$/,
  );
});

Deno.test("bad flags exit 1 with one line naming the problem", async () => {
  for (
    const [args, pattern] of [
      [["--format", "pdf"], /--format must be csv, xlsx or both/],
      [["--days", "0"], /--days must be a whole number from 1 to 3660/],
      [["--as-of", "yesterday"], /--as-of must be a date like 2026-11-01/],
      [["--as-of", "2026-02-30"], /--as-of must be a date like 2026-11-01/],
      [["--demo", "--live"], /--demo and --live contradict/],
      [["--verbose", "--demo", "--quiet"], /^error: --quiet and --verbose contradict each other/],
      [["--frobnicate"], /^error: Unknown option '--frobnicate' \(see --help\)$/],
      // a typo names the flag meant: `--out` is --out-dir's start, `--dyas` 2 edits
      [["--out", "x"], /^error: Unknown option '--out' \(did you mean --out-dir\? see --help\)$/],
      [["--dyas=7"], /^error: Unknown option '--dyas' \(did you mean --days\? see --help\)$/],
      [["--dasy", "7"], /^error: Unknown option '--dasy' \(did you mean --days\? see --help\)$/],
      [["--outdir", "x"], /^error: Unknown option '--outdir' \(did you mean --out-dir\?/],
      // one dash: node read -days as -d -a -y -s and named '-d'
      [["-days", "7"], /^error: Unknown option '-days' \(did you mean --days\? see --help\)$/],
      // a value pasted onto a flag may be a password: named up to where the flag's name ends
      [["-Xpostgres://u:pw@db"], /^error: Unknown option '-X' \(see --help\)$/],
      [["-pS3cret"], /^error: Unknown option '-p' \(see --help\)$/],
      [
        ["--days:postgres://u:pw@db"],
        /^error: Unknown option '--days…' \(did you mean --days\? see --help\)$/,
      ],
    ] as const
  ) {
    const result = await runCli([...args]);
    assertEquals(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
    const lines = result.stderr.trim().split("\n");
    assertEquals(lines.length, 1, result.stderr);
    match(lines[0], pattern);
  }
});

Deno.test("--help documents every option", async () => {
  const result = await runCli(["--help"]);
  assertEquals(result.code, 0);
  for (const flag of ["--out-dir", "--format", "--days", "--as-of", "--demo", "--skip-stripe"]) {
    ok(result.stdout.includes(flag), flag);
  }
});

Deno.test("an unwritable output directory fails before any query, in one line", async () => {
  const result = await runCli(["--demo", "--out-dir", "/proc/pricing-kit-cannot-write"]);
  assertEquals(result.code, 1);
  match(
    result.stderr.trim(),
    /^error: --out-dir \/proc\/pricing-kit-cannot-write is not writable \(.*\); fix its permissions or pass another folder to --out-dir$/,
  );
  assertEquals(result.stderr.trim().split("\n").length, 1);
});

Deno.test("folder errors name the fix for how the folder was chosen: the flag passed, the setting set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/a-file`;
    await Deno.writeTextFile(file, "not a folder");
    const csv = ["--demo", "--format", "csv", "--no-charts"];
    // --out-dir was passed: not "pass --out-dir", and not mkdir's EEXIST
    const outDir = await runCli([...csv, "--out-dir", file]);
    assertEquals([outDir.code, outDir.stderr.trim()], [
      1,
      `error: --out-dir ${file} is a file, not a folder; pass a folder (made if missing)`,
    ]);
    // a folder under that file: the file in its way is named, not mkdir's ENOTDIR, nor permissions
    const under = await runCli([...csv, "--out-dir", `${file}/out`]);
    assertEquals([under.code, under.stderr.trim()], [
      1,
      `error: --out-dir ${file} (in ${file}/out) is a file, not a folder; pass a folder (made if missing)`,
    ]);
    // PRICING_HISTORY_DIR is set: the error names it as set, not "or set PRICING_HISTORY_DIR"
    const history = await runCli([...csv, "--out-dir", `${dir}/out`], {
      PRICING_HISTORY_DIR: file,
    });
    assertEquals([history.code, history.stderr.trim()], [
      1,
      `error: PRICING_HISTORY_DIR ${file} is a file, not a folder; set PRICING_HISTORY_DIR to a folder (made if missing)`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a demo run warns of a PRICING_QUERIES_DIR that does not exist (a live run fails on it)", async () => {
  const out = await Deno.makeTempDir();
  try {
    const result = await runCli(["--demo", "--format", "csv", "--no-charts", "--out-dir", out], {
      PRICING_QUERIES_DIR: `${out}/nope`,
    });
    assertEquals(result.code, 0, result.stderr);
    ok(
      result.stderr.split("\n").includes(
        `warning: PRICING_QUERIES_DIR ${out}/nope does not exist: this demo run reads no query, a live run fails on it; point it at a folder holding postgres/ and clickhouse/ SQL files, or unset it`,
      ),
      result.stderr,
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("unreachable databases: one line, exit 1, the password never printed", async () => {
  const out = await Deno.makeTempDir();
  const down = await refusedPort(); // both databases there: every connection refused
  try {
    const result = await runCli(["--live", "--out-dir", out], {
      PRICING_PG_URL: `postgres://reader:TopSecret123@127.0.0.1:${down.port}/postgres`,
      PRICING_CH_URL: `http://127.0.0.1:${down.port}`,
      PRICING_CH_PASSWORD: "AlsoSecret456",
    });
    assertEquals(result.code, 1);
    const text = result.stdout + result.stderr;
    ok(!text.includes("TopSecret123") && !text.includes("AlsoSecret456"), text);
    assertEquals(result.stderr.trim().split("\n").length, 1, result.stderr);
    match(result.stderr, /^error: cannot reach (PostgreSQL|ClickHouse) at /);
    assertEquals([...Deno.readDirSync(out)].length, 0, "nothing written");
  } finally {
    await down.release();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a failed export leaves no folder it made for its files: a new --out-dir goes with it", async () => {
  const root = await Deno.makeTempDir();
  const down = await refusedPort();
  const unreachable = {
    PRICING_PG_URL: `postgres://reader:pw@127.0.0.1:${down.port}/postgres`,
    PRICING_CH_URL: `http://127.0.0.1:${down.port}`,
  };
  try {
    // --out-dir two levels down, neither there yet: made before any query, so that an unwritable
    // one fails at once; the export then fails on the databases (their connections refused)
    const result = await runCli(["--live", "--out-dir", `${root}/new/out`], unreachable);
    assertEquals(result.code, 1, result.stderr);
    match(result.stderr, /^error: cannot reach (PostgreSQL|ClickHouse) at /);
    // (both were left, empty: "nothing new was written" but two new folders)
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), []);
    // a folder that was there before stays, empty as it was
    await Deno.mkdir(`${root}/kept`);
    const again = await runCli(["--live", "--out-dir", `${root}/kept`], unreachable);
    assertEquals(again.code, 1, again.stderr);
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["kept"]);
  } finally {
    await down.release();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("--demo beside configured databases says --demo asked for it, not that none is configured", async () => {
  const out = await Deno.makeTempDir();
  try {
    const args = ["--demo", "--format", "csv", "--no-charts", "--out-dir", out];
    const bannerOf = (stdout: string) => stdout.split("\n")[0];
    const configured = await runCli(args, {
      PRICING_PG_URL: "postgres://reader:secret@127.0.0.1:9/postgres",
      PRICING_CH_URL: "http://127.0.0.1:9",
    });
    assertEquals(configured.code, 0, configured.stderr);
    assertEquals(
      bannerOf(configured.stdout),
      "━━ DEMO DATA ━━ the demo dataset was asked for (--demo), so these files",
    );
    const brief = [...Deno.readDirSync(out)].find((e) => e.name.endsWith("_demo.md"))!.name;
    ok(
      Deno.readTextFileSync(`${out}/${brief}`).includes(
        "> **Demo data.** The demo dataset was asked for (demo mode), so these files",
      ),
    );
    // nothing configured, nothing asked: that is the reason given
    const unconfigured = await runCli(args.slice(1));
    assertEquals(unconfigured.code, 0, unconfigured.stderr);
    assertEquals(
      bannerOf(unconfigured.stdout),
      "━━ DEMO DATA ━━ no database is configured (PRICING_PG_URL, PRICING_CH_URL), so these files",
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--live without settings says which variables to set", async () => {
  const result = await runCli(["--live"]);
  assertEquals(result.code, 1);
  match(result.stderr, /no database configured: set PRICING_PG_URL and PRICING_CH_URL/);
});

Deno.test("--email without SMTP settings and a bad --retention-days fail before exporting", async () => {
  const out = await Deno.makeTempDir();
  const email = await runCli(["--demo", "--email", "--out-dir", out]);
  assertEquals(email.code, 1);
  match(email.stderr.trim(), /^error: --email needs PRICING_SMTP_HOST/);
  const retention = await runCli(["--demo", "--retention-days", "soon", "--out-dir", out]);
  assertEquals(retention.code, 1);
  match(retention.stderr.trim(), /--retention-days must be a whole number/);
  assertEquals([...Deno.readDirSync(out)].length, 0, "nothing written");
  await Deno.remove(out, { recursive: true });
});

Deno.test("a failed email exits 2 and keeps the export; retention prunes old kit files only", async () => {
  const out = await Deno.makeTempDir();
  const old = `${out}/helicone_pricing_data_2020-01-01.csv`;
  const mine = `${out}/notes.txt`;
  await Deno.writeTextFile(old, "old export");
  await Deno.writeTextFile(mine, "not the kit's");
  // a newer live export: it stays as the newest live set (whatever its date), the 2020 one goes
  const newer = ["csv", "manifest.json"].map((ext) => `helicone_pricing_data_2026-10-25.${ext}`);
  for (const name of newer) await Deno.writeTextFile(`${out}/${name}`, "live export");
  const result = await runCli(
    [
      "--demo",
      "--no-charts",
      "--format",
      "csv",
      "--email",
      "--retention-days",
      "30",
      "--out-dir",
      out,
      "--as-of",
      "2026-11-01",
    ],
    {
      PRICING_SMTP_HOST: "127.0.0.1",
      PRICING_SMTP_PORT: "9",
      PRICING_SMTP_SECURITY: "none",
      PRICING_EMAIL_FROM: "kit@example.com",
      PRICING_EMAIL_TO: "team@example.com",
    },
  );
  assertEquals(result.code, 2, result.stderr);
  match(result.stderr, /error: email: .*\(the export itself was written\)/);
  match(result.stdout, /^Revenue: demo, 0 Stripe API calls, [\d.]+ s$/m); // the summary's count
  const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assertEquals(names, [
    ...newer,
    "helicone_pricing_data_2026-11-01_demo.csv",
    "helicone_pricing_data_2026-11-01_demo.manifest.json",
    "helicone_pricing_data_2026-11-01_demo.md",
    "history", // the export's Parquet snapshot
    "notes.txt",
  ]); // the 2020 export is pruned, notes.txt is not the kit's
  // what went, by set and date (the summary a cron log shows)
  match(
    result.stdout,
    /^Deleted 1 export set \(1 file\) dated more than 30 days ago:\n {2}2020-01-01: export set 2020-01-01 \(1 file\)$/m,
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("empty flag values, dash values, a flag given twice and a missing --env-file are one-line errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [args, pattern] of [
        [["--as-of", ""], /^error: --as-of needs a value, got an empty one/],
        [["--out-dir="], /^error: --out-dir needs a value, got an empty one/],
        [["--retention-days", ""], /^error: --retention-days needs a value/],
        [["--format", "csv", "--format", ""], /^error: --format needs a value/],
        [
          ["--days", "-1"],
          /^error: --days needs a value; one starting with "-" is written --days=-VALUE/,
        ],
        [
          ["--env-file", `${dir}/missing.env`],
          /^error: --env-file ".*missing\.env" does not exist/,
        ],
        [["--env-file", dir], /^error: --env-file ".*" is a folder, not a settings file/],
        // a flag with a value given twice: node kept the last silently
        [
          ["--days", "30", "--days", "7"],
          /^error: --days is given more than once \("30", "7"\); give it once$/,
        ],
        [
          ["--as-of=2026-11-01", "--as-of", "2026-10-01"],
          /^error: --as-of is given more than once/,
        ],
      ] as const
    ) {
      const outDir = args.some((a) => a.startsWith("--out-dir")) ? [] : ["--out-dir", `${dir}/out`];
      const result = await runCli(["--demo", ...outDir, ...args]);
      assertEquals(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assertEquals(result.stderr.trim().split("\n").length, 1, result.stderr);
      match(result.stderr.trim(), pattern);
      assertEquals(result.stdout, "");
    }
    // nothing was exported by any of them
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a settings file with an unclosed quote, typographic quotes or in UTF-16: one line naming the line, exit 1, nothing written, the value never printed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/settings.env`;
    const settings = (password: string) =>
      `PRICING_PG_URL=postgres://reader@127.0.0.1:9/postgres\nPRICING_CH_URL=http://127.0.0.1:9\nPRICING_CH_PASSWORD=${password}\n`;
    for (
      const [bytes, expected] of [
        [
          new TextEncoder().encode(settings('"Secret-789')),
          `error: ${file} line 3: PRICING_CH_PASSWORD's value opens a " quote it does not close (values are one line); close the quote, or remove it`,
        ],
        [
          new TextEncoder().encode(settings("“Secret-789”")),
          `error: ${file} line 3: PRICING_CH_PASSWORD's value is in typographic quotes (“ ”), which would be read as part of it; use straight quotes (" or ') or none`,
        ],
        [
          new Uint8Array([
            0xff,
            0xfe,
            ...[...settings("Secret-789")].flatMap((c) => [c.charCodeAt(0), 0]),
          ]),
          `error: ${file} is UTF-16 text, or not text (it holds NUL bytes); save it as UTF-8 (in Windows PowerShell: Set-Content -Encoding utf8)`,
        ],
      ] as const
    ) {
      await Deno.writeFile(file, bytes);
      const result = await runCli(["--env-file", file, "--out-dir", `${dir}/out`]);
      assertEquals([result.code, result.stderr.trim(), result.stdout], [1, expected, ""]);
      ok(!result.stderr.includes("Secret-789"));
    }
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["settings.env"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file where the history folder goes fails before the export, in one line", async () => {
  const out = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${out}/history`, "not a folder");
    const result = await runCli(["--demo", "--format", "csv", "--no-charts", "--out-dir", out]);
    assertEquals(result.code, 1, result.stderr);
    assertEquals(
      result.stderr.trim(),
      `error: history folder ${out}/history is a file, not a folder; move it away or set PRICING_HISTORY_DIR`,
    );
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), ["history"]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("the README's export options table lists every flag --help prints", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.slice(
    readme.indexOf("## Export options"),
    readme.indexOf("## Output files"),
  );
  const flags = [...HELP.matchAll(/^ {2}(?:-h, )?(--[a-z-]+)/gm)].map((m) => m[1]);
  ok(flags.length >= 17, flags.join(" "));
  for (const flag of flags) ok(section.includes(`\`${flag}`) || section.includes(` ${flag}`), flag);
});
