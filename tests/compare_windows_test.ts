/**
 * Comparing exports of different windows, dates and segments: window warnings and notes, as-of
 * order, misnamed and renamed files read by their manifests, and segment names in the output.
 */
import { reversedOrderError } from "../lib/analysis/compare_markdown.ts";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { sharedWindowNote, windowMismatchWarning } from "../lib/analysis/compare.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { captureConsole } from "./console_capture.ts";
import { after, before, SAME_WINDOW_TOTALS_HEADER } from "./compare_fixture.ts";

Deno.test("windowMismatchWarning: only for two known windows that differ", () => {
  assertEquals(windowMismatchWarning({ oldWindowDays: 30, newWindowDays: 30 }), null);
  assertEquals(windowMismatchWarning({ oldWindowDays: 30 }), null);
  const warning = windowMismatchWarning({ oldWindowDays: 30, newWindowDays: 1 })!;
  ok(
    warning.startsWith(
      "old covers 30 days, new 1 day: the window figures' deltas (the *_30d columns",
    ),
  );
});

Deno.test("deno task compare: two 7-day exports say their window in the summary, the Totals and the output", async () => {
  assertEquals(sharedWindowNote({ oldWindowDays: 30, newWindowDays: 30 }), null);
  assertEquals(sharedWindowNote({ oldWindowDays: 30, newWindowDays: 7 }), null); // the warning's
  assertEquals(sharedWindowNote({ oldWindowDays: 7 }), null);
  // one day: "1 day's figures", not "1 day' figures"
  const oneDay = sharedWindowNote({ oldWindowDays: 1, newWindowDays: 1 })!;
  ok(oneDay.includes("hold each side's 1 day's figures, so their totals are 1 day's sums"), oneDay);
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-11-24_7d.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-12-01_7d.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const expected =
      "both cover 7 days, not 30: the *_30d columns (and cost_per_seat and seat_utilization_pct) hold each side's 7 days' figures, so their totals are 7 days' sums, while mrr and the other amounts per month are monthly; revenue_per_request, gross_margin_pct, list_price_mrr, gross_margin_company_pct and unbilled_usage_usd set the window's usage on a 30-day basis";
    assertEquals(errors, []); // no warning: the windows are the same
    ok(logs.includes(`note: ${expected}`), logs.join("\n"));
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-24_7d_to_2026-12-01_7d.md"),
    );
    assertEquals(
      summary.split("\n")[2],
      `> **Note: ${
        expected.replace("*", "\\*").replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`")
          .replace("*_30d", "*\\_30d")
      }.**`,
    );
    // Totals: usage rows name the window, mrr (monthly) does not; 1,000 + 500 + 50,000 requests
    // → 3,000 + 60,000 + 100; $10 + $2 + $300 → $20 + $350 + $0.50; mrr $250 → $200 (c unknown)
    const rows = summary.split("\n");
    ok(rows.includes("| `requests_30d` (7 days) | 51,500 | 63,100 | +11,600 | +22.5 % |"));
    ok(rows.some((r) => r.startsWith("| `llm_cost_30d` (7 days) | $312.00 | $370.50 |")));
    ok(rows.some((r) => r.startsWith("| `mrr` | $250.00 | $200.00 (1 unknown) |")), summary);
    // the totals CSV of one window: its columns as ever (its name says 7d on both sides)
    const totalsText = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-24_7d_to_2026-12-01_7d_totals.csv"),
    );
    assertEquals(totalsText.split("\r\n")[0], SAME_WINDOW_TOTALS_HEADER);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a 30-day export against a 7-day one says the windows differ", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01_7d.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const expected =
      "old covers 30 days, new 7 days: the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change (values as written, not rescaled); revenue_per_request, gross_margin_pct, list_price_mrr, gross_margin_company_pct and unbilled_usage_usd set the window's usage on a 30-day basis in both; cost_per_request and ptb_cost_share_pct divide two window figures (the window's length cancels)";
    assertEquals(errors, [`warning: ${expected}`]);
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d.md"),
    );
    // the line right under the heading, escaped for Markdown
    assertEquals(
      summary.split("\n")[2],
      `> **Warning: ${
        expected.replace("*", "\\*").replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`")
          .replace("*_30d", "*\\_30d")
      }.**`,
    );
    // the deltas themselves are the values as written: 63,100 − 51,500 requests
    const totalsText = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d_totals.csv"),
    );
    const totals = parseCsvRecords(totalsText).records;
    assertEquals(totals.find((t) => t.column === "requests_30d")?.delta, "11600");
    // the totals CSV says which window each row's sums are over, in a `window` column after
    // `unit`, as the summary's Totals label them: requests 1,000 + 500 + 50,000 = 51,500 over 30
    // days → 3,000 + 60,000 + 100 = 63,100 over 7; LLM cost $10 + $2 + $300 = $312 → $20 + $350
    // + $0.50 = $370.50 (+$58.50, +18.75 %); seats 14 → 19 and mrr $250 → $200 (like for like
    // +$150, +300 %) are no window's; list_price_mrr (none in these files) is on a 30-day basis
    assertEquals(
      totalsText.split("\r\n")[0],
      "column,unit,window,old_total,new_total,delta,change_pct,unknown_old,unknown_new",
    );
    const row = (name: string) => {
      const { window, old_total, new_total, delta, change_pct } = totals.find((t) =>
        t.column === name
      )!;
      return [window, old_total, new_total, delta, change_pct];
    };
    // (the CSV writes 10 decimals: 11,600 / 51,500 = 22.524271844…%, 5 / 14 = 35.714285714…%)
    assertEquals(row("requests_30d"), [
      "30 days → 7 days",
      "51500",
      "63100",
      "11600",
      "22.5242718447",
    ]);
    assertEquals(row("llm_cost_30d"), ["30 days → 7 days", "312", "370.5", "58.5", "18.75"]);
    assertEquals(row("seats"), ["", "14", "19", "5", "35.7142857143"]);
    assertEquals(row("mrr"), ["", "250", "200", "150", "300"]);
    assertEquals(row("list_price_mrr")[0], "30-day basis");
    // the Totals rows of window figures name both windows, so a row read (or copied) alone
    // still says its change compares two windows; mrr (monthly) names none
    const rows = summary.split("\n");
    ok(
      rows.includes("| `requests_30d` (30 days → 7 days) | 51,500 | 63,100 | +11,600 | +22.5 % |"),
    );
    ok(rows.some((r) => r.startsWith("| `llm_cost_30d` (30 days → 7 days) | $312.00 | $370.50 |")));
    ok(rows.some((r) => r.startsWith("| `list_price_mrr` (30-day basis) |")), summary);
    ok(rows.some((r) => r.startsWith("| `mrr` | $250.00 | $200.00 (1 unknown) |")), summary);
    // --quiet prints nothing, the summary still warns
    errors.length = 0;
    logs.length = 0;
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir, "--quiet"]), 0);
    assertEquals([errors, logs], [[], []]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a 30-day against a 7-day export names cost_per_seat a window figure", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // $350 of LLM cost over 10 seats in 30 days ($35 a seat), $69 in 7 days ($6.90 a seat)
    const org = (llmCost: number) =>
      exportFrameFromColumns({
        org_id: ["p"],
        org_name: ["Per Seat"],
        seats: [10],
        llm_cost_30d: [llmCost],
        cost_per_seat: [llmCost / 10],
      });
    const oldPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01_7d.xlsx");
    await writeCsvFile(org(350), oldPath);
    await writeXlsxFile(org(69), newPath, { documentDate: new Date("2026-11-01T00:00:00Z") });
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const { records } = parseCsvRecords(
      await Deno.readTextFile(
        join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d.csv"),
      ),
    );
    // 6.9 − 35: the shorter window, not a change, and the warning says cost_per_seat is one
    assertEquals(records[0].cost_per_seat_delta, "-28.1");
    assertEquals(errors.length, 1);
    ok(
      errors[0].includes(
        "the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change",
      ),
      errors[0],
    );
    ok(!/margins and other ratios/.test(errors[0]), errors[0]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: an export named for a day after today, or before 1970, is refused as misnamed", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const good = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(before, good);
    for (const date of ["2099-01-01", "1960-01-01"]) {
      const misnamed = join(dir, `helicone_pricing_data_${date}.csv`);
      await writeCsvFile(after, misnamed);
      errors.length = 0;
      const pair = date === "2099-01-01" ? [good, misnamed] : [misnamed, good];
      assertEquals(await compareMain([...pair, "--out-dir", join(dir, "out"), "--quiet"]), 1);
      assertEquals(errors, [
        `error: ${misnamed}: its as-of date ${date} is ${
          date === "2099-01-01" ? "in the future" : "before 1970-01-01"
        }; rename it to the date it was exported (or fix its manifest)`,
      ]);
    }
    assertEquals(await Deno.stat(join(dir, "out")).catch(() => null), null, "nothing written");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: two files of one segment keep it in the output names and say so; a segment against the whole export is refused", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const inSegment = (frame: pl.DataFrame) => frame.filter(pl.col("org_id").isIn(["a", "c"]));
    const wholeOld = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const wholeNew = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const segmentOld = join(dir, "helicone_pricing_data_2026-10-01_underpriced.csv");
    const segmentNew = join(dir, "helicone_pricing_data_2026-11-01_underpriced.csv");
    await writeCsvFile(before, wholeOld);
    await writeCsvFile(after, wholeNew);
    await writeCsvFile(inSegment(before), segmentOld);
    await writeCsvFile(inSegment(after), segmentNew);
    assertEquals(await compareMain([wholeOld, wholeNew, "--out-dir", dir, "--quiet"]), 0);
    const whole = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const wholeSummary = await Deno.readTextFile(`${whole}.md`);

    assertEquals(await compareMain([segmentOld, segmentNew, "--out-dir", dir]), 0, errors.join());
    const base = join(
      dir,
      "helicone_pricing_compare_2026-10-01_underpriced_to_2026-11-01_underpriced",
    );
    assertEquals(logs.slice(1), [`  ${base}.csv`, `  ${base}_totals.csv`, `  ${base}.md`]);
    assertEquals(await Deno.readTextFile(`${whole}.md`), wholeSummary, "the whole one is kept");
    // a and c in both: nobody appeared; MRR $250 → $200 (c unknown)
    const summary = await Deno.readTextFile(`${base}.md`);
    assertEquals(
      summary.split("\n")[0],
      "# Export comparison: `2026-10-01_underpriced` → `2026-11-01_underpriced`",
    );
    ok(
      summary.includes(
        "Both files are the underpriced segment only (Underpriced: high usage or LLM cost, low MRR): an organization that appeared or disappeared entered or left it (not necessarily joined or left the company), and the totals are its organizations'.",
      ),
      summary,
    );
    ok(summary.includes("| appeared (only in the new export) | 0 |"), summary);
    ok(summary.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"));
    ok(!wholeSummary.includes("Both files are"));

    // a segment against the whole export, or the trimmed CSV against it: refused, nothing written
    const filesBefore = [...Deno.readDirSync(dir)].length;
    errors.length = 0;
    assertEquals(await compareMain([segmentOld, wholeNew, "--out-dir", dir]), 1);
    const trimmed = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    await writeCsvFile(after, trimmed);
    assertEquals(await compareMain([wholeOld, trimmed, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old helicone_pricing_data_2026-10-01_underpriced.csv is the underpriced segment and new helicone_pricing_data_2026-11-01.csv is the whole export: organizations in one and not the other would read as appeared or disappeared and every total as a change; compare files of one kind (two …_underpriced.csv files, or the two whole exports)",
      "error: old helicone_pricing_data_2026-10-01.csv is the whole export and new helicone_pricing_data_2026-11-01_trimmed.csv is the trimmed CSV: organizations in one and not the other would read as appeared or disappeared and every total as a change; compare files of one kind (two …_trimmed.csv files, or the two whole exports)",
    ]);
    assertEquals([...Deno.readDirSync(dir)].length, filesBefore + 1, "only the trimmed CSV added");

    // a suffix the kit never writes is not judged, but kept in the names
    const copy = join(dir, "helicone_pricing_data_2026-10-01_copy.csv");
    await writeCsvFile(before, copy);
    assertEquals(await compareMain([copy, wholeNew, "--out-dir", dir, "--quiet"]), 0);
    ok(Deno.statSync(join(dir, "helicone_pricing_compare_2026-10-01_copy_to_2026-11-01.md")));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a renamed file is read by the manifest beside it (date, window, order); without one a warning says what was assumed", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(after, newPath);
    // a 7-day export of 2026-10-01, renamed, its manifest copied beside it
    const october = join(dir, "october.csv");
    await writeCsvFile(before, october);
    const manifest = (asOf: string) =>
      JSON.stringify({ demo: false, as_of: asOf, window: { days: 7 } });
    await Deno.writeTextFile(join(dir, "october.manifest.json"), manifest("2026-10-01T00:00:00Z"));
    assertEquals(await compareMain([october, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].startsWith("warning: old covers 7 days, new 30 days:"), errors[0]);
    ok(Deno.statSync(join(dir, "helicone_pricing_compare_2026-10-01_7d_to_2026-11-01.md")));
    // the manifest's date orders the two: a later old file is refused
    const december = join(dir, "december.csv");
    await writeCsvFile(before, december);
    await Deno.writeTextFile(join(dir, "december.manifest.json"), manifest("2026-12-01T00:00:00Z"));
    errors.length = 0;
    assertEquals(await compareMain([december, newPath, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old december.csv (as of 2026-12-01) is newer than new helicone_pricing_data_2026-11-01.csv (as of 2026-11-01): swap them, the older export first",
    ]);
    // nothing beside it: said, not silent
    const alone = join(dir, "alone.csv");
    await writeCsvFile(before, alone);
    errors.length = 0;
    assertEquals(await compareMain([alone, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors, [
      "warning: alone.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (alone.manifest.json): assumed live data, an unknown window (not checked against the other file's) and its modification date in the output names (the order of the files not checked); keep the export's name, or copy its manifest beside it as alone.manifest.json",
    ]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare order: as-ofs with a time are ordered by instant (.250 after .000 of the same second), a date alone by date", () => {
  const side = (asOfDate: string) => ({ label: asOfDate, asOfDate });
  // as text "…00.250Z" sorts before "…00Z": the later instant read as the earlier one
  assertEquals(
    reversedOrderError(side("2026-05-01T12:00:00Z"), side("2026-05-01T12:00:00.250Z")),
    null,
  );
  assertEquals(
    reversedOrderError(side("2026-05-01T12:00:00.250Z"), side("2026-05-01T12:00:00Z")),
    "old 2026-05-01T12:00:00.250Z (as of 2026-05-01T12:00:00.250Z) is newer than new 2026-05-01T12:00:00Z (as of 2026-05-01T12:00:00Z): swap them, the older export first",
  );
  // a date alone (an export file's name) has no time: the same date is no order either way
  assertEquals(reversedOrderError(side("2026-05-01T12:00:00Z"), side("2026-05-01")), null);
  assertEquals(reversedOrderError(side("2026-05-01"), side("2026-05-01T00:00:00.500Z")), null);
  ok(reversedOrderError(side("2026-05-02"), side("2026-05-01T23:59:59.999Z")) !== null);
});
