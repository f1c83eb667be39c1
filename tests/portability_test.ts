/**
 * What analysts' laptops do differently from the founders' Linux: a checkout by git for Windows
 * (core.autocrlf=true writes CRLF), files saved by Windows editors (CRLF), Windows' and macOS's
 * own OS error numbers in the "(os error N)" of a failed write, a file Excel holds open, and a
 * home folder named by USERPROFILE. Each case here is one that can be made on Linux.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_PRICE_BOOK, readPriceBookFile } from "../lib/economics/price_book.ts";
import { writeProblem } from "../lib/formats/files.ts";
import { loadSql } from "../lib/sources/sql.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const FOLDERS = new URL("../lib/formats/folders.ts", import.meta.url).href;

const crlf = (text: string) => text.replaceAll("\n", "\r\n");

Deno.test(".gitattributes checks text out with LF whatever core.autocrlf says; exported CSVs byte-exact", async () => {
  const paths = [
    "scenarios/current_seat_based.json",
    "queries/postgres/organizations.sql",
    "tests/fixtures/golden_demo_export.json",
    "notebooks/export.ipynb",
    "tests/fixtures/export_columns_f6d6c0c.csv",
  ];
  const run = await new Deno.Command("git", {
    args: ["-C", ROOT, "check-attr", "eol", "text", "--", ...paths],
  }).output();
  ok(run.success, new TextDecoder().decode(run.stderr));
  assertEquals(new TextDecoder().decode(run.stdout).trim().split("\n"), [
    "scenarios/current_seat_based.json: eol: lf",
    "scenarios/current_seat_based.json: text: auto",
    "queries/postgres/organizations.sql: eol: lf",
    "queries/postgres/organizations.sql: text: auto",
    "tests/fixtures/golden_demo_export.json: eol: lf",
    "tests/fixtures/golden_demo_export.json: text: auto",
    "notebooks/export.ipynb: eol: lf",
    "notebooks/export.ipynb: text: auto",
    // the kit's CSV rows end CRLF, and an organization name may hold a CR: never converted
    "tests/fixtures/export_columns_f6d6c0c.csv: eol: lf",
    "tests/fixtures/export_columns_f6d6c0c.csv: text: unset",
  ]);
});

Deno.test("a price book saved with CRLF line ends reads as the same book; its SHA-256 is of its own bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "portability_book_" });
  try {
    const lf = await Deno.readTextFile(DEFAULT_PRICE_BOOK);
    ok(!lf.includes("\r"), "the shipped book has LF line ends");
    const file = join(dir, "current_seat_based.json");
    await Deno.writeTextFile(file, crlf(lf));
    const [shipped, saved] = [
      await readPriceBookFile(DEFAULT_PRICE_BOOK),
      await readPriceBookFile(file),
    ];
    assertEquals(saved.scenario, shipped.scenario);
    ok(saved.sha256 !== shipped.sha256, "the bytes differ, and so does the recorded SHA-256");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query files saved with CRLF line ends in PRICING_QUERIES_DIR pass the read-only gate as read", async () => {
  const dir = await Deno.makeTempDir({ prefix: "portability_queries_" });
  try {
    const files = [
      ["postgres", "organizations"],
      ["postgres", "prompts_created"],
      ["clickhouse", "usage_30d"],
      ["clickhouse", "ptb_spend"],
    ] as const;
    for (const [engine, name] of files) {
      await Deno.mkdir(join(dir, engine), { recursive: true });
      const text = await Deno.readTextFile(join(ROOT, "queries", engine, `${name}.sql`));
      await Deno.writeTextFile(join(dir, engine, `${name}.sql`), crlf(text));
    }
    for (const [engine, name] of files) {
      const sql = await loadSql(engine, name, { queriesDir: dir });
      assertEquals(sql.file, join(dir, engine, `${name}.sql`));
      ok(sql.text.includes("\r\n"), `${name}: read as saved`);
    }
    // a second statement after a CRLF is still one too many
    await Deno.writeTextFile(
      join(dir, "postgres", "prompts_created.sql"),
      "SELECT 1 AS org_id;\r\nSELECT 2;\r\n",
    );
    await rejects(
      loadSql("postgres", "prompts_created", { queriesDir: dir }),
      /prompts_created\.sql/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a built-in query file is named queries/<engine>/<name>.sql, with /", async () => {
  assertEquals((await loadSql("clickhouse", "usage_30d")).file, "queries/clickhouse/usage_30d.sql");
});

/** A Deno-like error with the OS's number in its message, as Polars's carry only that. */
const osError = (number: number, code?: string) =>
  Object.assign(new Error(`failed (os error ${number}): rename 'a' -> 'b'`), { code });

Deno.test("an (os error N) is read by the platform's numbers: Win32 codes on Windows, errno elsewhere", () => {
  const reason = (error: unknown, os: typeof Deno.build.os) => writeProblem(error, os)?.reason;
  // the same numbers are different problems on Windows (13 ERROR_INVALID_DATA, 28 out of paper)
  assertEquals(reason(osError(13), "linux"), "permission denied");
  assertEquals(reason(osError(13), "windows"), undefined);
  assertEquals(reason(osError(1), "windows"), undefined);
  assertEquals(reason(osError(28), "windows"), undefined);
  assertEquals(reason(osError(5), "windows"), "permission denied");
  assertEquals(reason(osError(112), "windows"), "no space left on device");
  assertEquals(reason(osError(19), "windows"), "read-only file system");
  // EDQUOT is 122 on Linux, 69 on macOS and the BSDs
  assertEquals(reason(osError(122), "linux"), "disk quota exceeded");
  assertEquals(reason(osError(69), "darwin"), "disk quota exceeded");
  assertEquals(reason(osError(122), "darwin"), undefined);
  // a code Deno or Node gave wins where the message has no number
  const full = Object.assign(new Error("no room"), { code: "ENOSPC" });
  assertEquals(reason(full, "windows"), "no space left on device");
});

Deno.test("a file another program holds open on Windows (Excel's workbook) says so and how to fix it", () => {
  const sharing = osError(32, "EBUSY");
  assertEquals(writeProblem(sharing, "windows"), {
    reason: "a file is open in another program",
    fix:
      "close the export's files in the programs showing them (Excel locks a workbook it has open)",
  });
  assertEquals(writeProblem(osError(33), "windows")?.reason, "a file is open in another program");
  // EBUSY elsewhere is a mount point or a device: not worded as a file left open
  assertEquals(writeProblem(osError(32, "EBUSY"), "linux"), null);
});

Deno.test("an output folder written ~/… names the full path from USERPROFILE where HOME is unset (Windows)", async () => {
  const script = `import { ensureWritableDir } from ${JSON.stringify(FOLDERS)};
await ensureWritableDir("~/pk-reports", { named: "--out-dir" }).catch((e) => console.log(e.message));`;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", USERPROFILE: "/users/ana", NO_COLOR: "1" },
  }).output();
  ok(run.success, new TextDecoder().decode(run.stderr));
  assertEquals(
    new TextDecoder().decode(run.stdout).trim(),
    '--out-dir ~/pk-reports starts with ~, which only a shell expands to the home folder; pass "/users/ana/pk-reports" to --out-dir',
  );
});
