/**
 * lib/analysis/compare_native.ts against hostile data: a snapshot's `currency` is text from a file
 * (an imported or shared snapshot), so `deno task compare`'s Markdown section writes it as data in
 * every cell, the amounts' cells too (they start with the currency's code when it has no symbol);
 * and which files it compares (a snapshot where nobody pays, one beside an export file).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { captureConsole } from "./console_capture.ts";
import { compareSummary, nativeSection, storeDemoSnapshot } from "./compare_native_fixture.ts";
import { nativeComparison, nativeSide } from "../lib/analysis/compare_native.ts";

/** Two organizations: `a` billed in `currency`, `b` in EUR (minor units: old, new). */
function month(currency: string, minor: [number, number]): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["a", "b"],
    tier: ["pro", "pro"],
    plan: ["pro", "pro"],
    stripe_customer_id: ["cus_a", "cus_b"],
    revenue_source: ["stripe", "stripe"],
    currency: [currency, "EUR"],
    mrr_recurring: minor.map((m) => m / 100),
    mrr: minor.map((m) => m / 100),
  }).withColumns(pl.Series("mrr_recurring_minor", minor, pl.Int64));
}

/** Two snapshots in a new folder: a 1000 → 2500 minor units of `currency`; b €90.00 → €80.00. */
async function twoSnapshots(dir: string, currency: string) {
  const history = join(dir, "history");
  const old = await storeDemoSnapshot(month(currency, [1000, 9000]), {
    dir: history,
    asOf: "2026-10-01",
  });
  const next = await storeDemoSnapshot(month(currency, [2500, 8000]), {
    dir: history,
    asOf: "2026-11-01",
  });
  return { old: old.path, next: next.path };
}

const SUMMARY_FILE = "helicone_pricing_compare_2026-10-01_demo_to_2026-11-01_demo.md";

/** The Markdown summary's native section's table lines for two snapshots billing `currency`. */
async function nativeTable(currency: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "compare_native_" });
  try {
    const { old, next } = await twoSnapshots(dir, currency);
    const outDir = join(dir, "out");
    const summary = await compareSummary({ old, next, outDir, summaryFile: SUMMARY_FILE });
    return nativeSection(summary).tableLines;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("compare native: a hostile currency is data in its amounts' cells as in its own", async () => {
  // an HTML tag, a javascript: link, a code span, a line break into a heading, a bidi override
  const table = await nativeTable(
    "x<img src=y onerror=alert(1)>[a](javascript:b)`c`\n## NOTE TO THE AI\u202e",
  );
  // the code as read (upper case, as the bridge reads it), escaped in every cell: no tag (`<` as
  // &lt;), no link or code span (`[`, `]` and backticks escaped), no heading marker, one line, no
  // bidi override
  const code = "X&lt;IMG SRC=Y ONERROR=ALERT(1)>\\[A\\](JAVASCRIPT:B)\\`C\\` \\#\\# NOTE TO THE AI";
  assertEquals(table, [
    "| currency | organizations | old | new | change |",
    "| --- | --- | --- | --- | --- |",
    "| EUR | 1 | €90.00 | €80.00 | -€10.00 |",
    `| ${code} | 1 | ${code} 10.00 | ${code} 25.00 | +${code} 15.00 |`,
  ]);
  ok(!table.join("\n").includes("\u202e"));
});

Deno.test("compare native: a 1,000-character currency is cut in its amounts' cells as in its own", async () => {
  const table = await nativeTable("q".repeat(1_000));
  const row = table[3].split(" | ");
  // each cell's code cut to 200 characters (199 and "…"), as escapeMarkdown cuts data text
  const code = `${"Q".repeat(199)}…`;
  assertEquals(row.slice(2), [`${code} 10.00`, `${code} 25.00`, `+${code} 15.00 |`]);
  assertEquals(row[0], `| ${code}`);
});

Deno.test("compare native: amounts no kit writes (text, NaN, infinite, a fraction, past 2^53) are refused in one line naming file, column and organization", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compare_native_" });
  const { errors, restore } = captureConsole();
  try {
    const { old, next } = await twoSnapshots(dir, "EUR");
    const out = join(dir, "out");
    const fix =
      "the kit writes whole numbers of minor units there: import the snapshot again from its export (deno task history import)";
    // the old file's mrr_recurring_minor replaced: a written by another tool (pandas, a script)
    const cases: [pl.Series, string][] = [
      [
        pl.Series("mrr_recurring_minor", ["1000", "NaN"], pl.Utf8),
        `${old} column mrr_recurring_minor holds text (String), not numbers; ${fix}`,
      ],
      [
        pl.Series("mrr_recurring_minor", [1000, NaN], pl.Float64),
        `${old} column mrr_recurring_minor (organization "b"): NaN is not a whole number; ${fix}`,
      ],
      [
        pl.Series("mrr_recurring_minor", [-Infinity, 9000], pl.Float64),
        `${old} column mrr_recurring_minor (organization "a"): -Infinity is not a whole number; ${fix}`,
      ],
      [
        pl.Series("mrr_recurring_minor", [1000, 9000.5], pl.Float64),
        `${old} column mrr_recurring_minor (organization "b"): 9000.5 is not a whole number; ${fix}`,
      ],
      // each below 2^53 (9,007,199,254,740,992), their magnitudes' sum past it: sums not exact
      [
        pl.Series("mrr_recurring_minor", ["4503599627370497", "-4503599627370496"]).cast(pl.Int64),
        `${old} column mrr_recurring_minor: its amounts' magnitudes sum past 2^53 minor units (9,007,199,254,740,991), where sums are no longer exact and no company's MRR is; ${fix}`,
      ],
    ];
    for (const [column, message] of cases) {
      await twoSnapshots(dir, "EUR");
      pl.readParquet(old).withColumns(column.alias("mrr_recurring_minor")).writeParquet(old);
      errors.length = 0;
      assertEquals(await compareMain([old, next, "--out-dir", out, "--quiet"]), 1);
      assertEquals(errors, [`error: ${message}`]);
      // nothing written (the folder, made before the files are read, went again empty)
      assertEquals(await Deno.stat(out).then(() => "there", () => "not there"), "not there");
    }
    // a Float64 column of whole numbers (pandas writes an integer column with nulls as one) and
    // nulls is read as the kit's: a €10.00 → €25.00 (+€15.00), b €90.00 → €80.00 (−€10.00)
    await twoSnapshots(dir, "EUR");
    pl.readParquet(old).withColumns(pl.Series("mrr_recurring_minor", [1000, 9000], pl.Float64))
      .writeParquet(old);
    const md = await compareSummary({ old, next, outDir: out, summaryFile: SUMMARY_FILE });
    ok(md.includes("| EUR | 2 | €100.00 | €105.00 | +€5.00 |"), md);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare native: a snapshot with no amount where nobody pays is compared; beside an export file it is not, saying why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compare_native_" });
  try {
    // every organization free: mrr_recurring_minor empty, and no recurring MRR it should hold
    const free = exportFrameFromColumns({
      org_id: ["a"],
      tier: ["free"],
      currency: ["USD"],
      mrr_recurring: [0],
      mrr: [0],
    }).withColumns(pl.Series("mrr_recurring_minor", [null], pl.Int64));
    const stored = await storeDemoSnapshot(free, { dir, asOf: "2026-10-01" });
    ok("scan" in nativeSide(stored.path));
    assertEquals(
      nativeComparison({ label: "old", path: join(dir, "x.csv") }, {
        label: "new",
        path: stored.path,
      }),
      {
        missing:
          "not compared: old is an export file, which holds no mrr_recurring_minor (history snapshots store it); the USD change (mrr_recurring) is in the totals",
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
