/**
 * Plan, raw tier and name changes between two exports: migrations counted and listed, renamed
 * organizations, and exports or snapshots of earlier kit versions (no plan columns).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { basename, join } from "node:path";
import pl from "nodejs-polars";
import { compareExports, compareExportsSummary, summarySide } from "../lib/analysis/compare.ts";
import { writeComparison } from "../lib/analysis/compare_files.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { captureConsole } from "./console_capture.ts";
import { EARLIER_HEADERS } from "../lib/frame/earlier_columns.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { after, before, column } from "./compare_fixture.ts";
import { F6D6C0C_CSV, F6D6C0C_LACKS } from "./fixtures/earlier_export.ts";

/**
 * Plan migrations: m moves from the legacy team bundle (team-20250130, $200) to team-20251210
 * ($799), q from pro-20250202 to pro-20251210; n stays. The tier family changes for nobody.
 */
const beforeMigration = exportFrameFromColumns({
  org_id: ["m", "n", "q"],
  org_name: ["Mover", "Stayer", "Quick"],
  tier: ["team", "pro", "pro"],
  tier_raw: ["team-20250130", "pro", "pro-20250202"],
  plan: ["team (bundle, legacy)", "pro (seat, legacy)", "pro (seat, legacy)"],
  mrr: [200, 40, 20],
});

const afterMigration = exportFrameFromColumns({
  org_id: ["m", "n", "q"],
  org_name: ["Mover", "Stayer", "Quick"],
  tier: ["team", "pro", "pro"],
  tier_raw: ["team-20251210", "pro", "pro-20251210"],
  plan: ["team 2025-12-10", "pro (seat, legacy)", "pro 2025-12-10"],
  mrr: [799, 40, 79],
});

Deno.test("raw tier and plan changes are counted and listed like tier changes", async () => {
  const result = compareExports(beforeMigration, afterMigration);
  assertEquals(column(result.perOrg, "tier_changed"), [false, false, false]);
  assertEquals(column(result.perOrg, "tier_raw_old"), ["team-20250130", "pro", "pro-20250202"]);
  assertEquals(column(result.perOrg, "tier_raw_new"), ["team-20251210", "pro", "pro-20251210"]);
  assertEquals(column(result.perOrg, "tier_raw_changed"), [true, false, true]);
  assertEquals(column(result.perOrg, "plan_changed"), [true, false, true]);
  assertEquals(
    result.perOrg.columns.slice(0, 12),
    [
      "org_id",
      "org_name",
      "presence",
      "tier_old",
      "tier_new",
      "tier_changed",
      "tier_raw_old",
      "tier_raw_new",
      "tier_raw_changed",
      "plan_old",
      "plan_new",
      "plan_changed",
    ],
  );
  const counts = { tierChanged: 0, tierRawChanged: 2, planChanged: 2 };
  const { tierChanged, tierRawChanged, planChanged } = result.counts;
  assertEquals({ tierChanged, tierRawChanged, planChanged }, counts);
  assertEquals(result.tierChanges.height, 0);
  // one organization each, so in name order
  assertEquals(result.tierRawChanges.toRecords(), [
    { tier_raw_old: "pro-20250202", tier_raw_new: "pro-20251210", organizations: 1 },
    { tier_raw_old: "team-20250130", tier_raw_new: "team-20251210", organizations: 1 },
  ]);
  assertEquals(result.planChanges.toRecords(), [
    { plan_old: "pro (seat, legacy)", plan_new: "pro 2025-12-10", organizations: 1 },
    { plan_old: "team (bundle, legacy)", plan_new: "team 2025-12-10", organizations: 1 },
  ]);
  // the summary without the rows, a slice at a time: the same
  const summary = await compareExportsSummary(
    summarySide(beforeMigration),
    summarySide(afterMigration),
    { top: 1, sliceRows: 1 },
  );
  assertEquals(summary.counts, result.counts);
  assertEquals(summary.tierRawChanges.toRecords(), result.tierRawChanges.toRecords());
  assertEquals(summary.planChanges.toRecords(), result.planChanges.toRecords());
  // an organization that appeared has no change of either (it has no old value)
  const appeared = compareExports(beforeMigration.head(0), afterMigration);
  assertEquals(column(appeared.perOrg, "plan_changed"), [null, null, null]);
  assertEquals([appeared.counts.tierRawChanged, appeared.counts.planChanged], [0, 0]);
});

Deno.test("deno task compare: plan migrations in the report, its CSV and its summary", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    // a raw tier from the data is data: escaped in the summary
    await writeCsvFile(beforeMigration, oldPath);
    await writeXlsxFile(
      afterMigration.withColumns(
        pl.Series("tier_raw", ["team-20251210", "pro", "<b>pro</b>|*x*"]),
      ),
      newPath,
      { documentDate: new Date("2026-11-01T00:00:00Z") },
    );
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(
      logs[0],
      "Compared helicone_pricing_data_2026-10-01.csv (3 organizations) with helicone_pricing_data_2026-11-01.xlsx (3): 0 appeared, 0 disappeared, 0 changed tier, 2 changed raw tier, 2 changed plan",
    );
    const base = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const { records } = parseCsvRecords(await Deno.readTextFile(`${base}.csv`));
    assertEquals(
      records.map((r) => [r.org_id, r.tier_raw_old, r.tier_raw_new, r.tier_raw_changed]),
      [
        ["m", "team-20250130", "team-20251210", "true"],
        ["n", "pro", "pro", "false"],
        ["q", "pro-20250202", "<b>pro</b>|*x*", "true"],
      ],
    );
    assertEquals(records.map((r) => [r.plan_old, r.plan_new, r.plan_changed]), [
      ["team (bundle, legacy)", "team 2025-12-10", "true"],
      ["pro (seat, legacy)", "pro (seat, legacy)", "false"],
      ["pro (seat, legacy)", "pro 2025-12-10", "true"],
    ]);
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(summary.includes("| tier changed | 0 |"), summary);
    ok(summary.includes("| raw tier (`tier_raw`) changed | 2 |"), summary);
    ok(summary.includes("| plan changed | 2 |"), summary);
    ok(summary.includes("## Tier changes\n\nNone.\n"), summary);
    ok(
      summary.includes(
        "## Raw tier changes (`tier_raw`)\n\n| from | to | organizations |\n| --- | --- | --- |\n" +
          "| pro-20250202 | &lt;b>pro&lt;/b>\\|\\*x\\* | 1 |\n| team-20250130 | team-20251210 | 1 |\n",
      ),
      summary,
    );
    ok(
      summary.includes(
        "## Plan changes\n\n| from | to | organizations |\n| --- | --- | --- |\n" +
          "| pro (seat, legacy) | pro 2025-12-10 | 1 |\n| team (bundle, legacy) | team 2025-12-10 | 1 |\n",
      ),
      summary,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: an export of an earlier kit version is refused in one line saying so (its missing plan would read as every organization changing plan)", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const old = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      F6D6C0C_CSV,
      old,
    );
    const newer = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(after, newer);
    assertEquals(await compareMain([old, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${old} is an export of an earlier kit version: its header lacks plan, list_price_mrr, ptb_revenue_30d, company_cost_30d, gross_margin_company_pct and 4 more (added since); re-export it with deno task export (history import and scenario --input read it as it is)`,
    ]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a snapshot of an earlier kit version's export (written then, or imported from its export) is refused in one line, as its CSV is", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // this version's: a on team 2025-12-10, c on free (both plans known)
    const newer = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "c"],
        tier: ["team", "free"],
        plan: ["team 2025-12-10", "free"],
        mrr: [200, 0],
        company_cost_30d: [20, 1],
      }),
      newer,
    );
    // (the refusal names five and counts the rest)
    const shown = `${F6D6C0C_LACKS.slice(0, 5).join(", ")} and 4 more`;
    // written by the earlier version: the columns added since are not in the file
    const written = join(dir, "history", "helicone_pricing_data_2026-09-01.parquet");
    await Deno.mkdir(join(dir, "history"));
    before.drop(F6D6C0C_LACKS).writeParquet(written);
    // imported from its export: those columns empty in every row, the sidecar says import
    const imported = await writeSnapshot(before, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "import",
    });
    for (const old of [written, imported.path]) {
      errors.length = 0;
      // before, 3 organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
      assertEquals(await compareMain([old, newer, "--out-dir", dir, "--quiet"]), 1, old);
      assertEquals(errors, [
        `error: ${old} is a snapshot of an earlier kit version's export: it has no ${shown} (added since), so every organization would read as changing plan; compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)`,
      ]);
      // history import and scenario --input still read it
      const read = await readExportFile(old, { earlier: true });
      assertEquals(column(read.frame, "org_id"), ["a", "b", "c"]);
    }
    // the imported one copied elsewhere without its sidecar: nothing says it was imported, but a
    // snapshot of this version's export has company_cost_30d (its PTB LLM cost, 0 without usage)
    const alone = join(dir, "copied", "helicone_pricing_data_2026-10-01.parquet");
    await Deno.mkdir(join(dir, "copied"));
    await Deno.copyFile(imported.path, alone);
    errors.length = 0;
    // before, compared: 3 organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
    assertEquals(await compareMain([alone, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${alone} has no sidecar (helicone_pricing_data_2026-10-01.parquet.json) and its ${shown} are empty in every row: a snapshot imported from an earlier kit version's export, so every organization would read as changing plan; compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)`,
    ]);
    // a damaged sidecar beside it is read as missing, and the refusal says damaged, not absent
    await Deno.writeTextFile(`${alone}.json`, "{not json");
    errors.length = 0;
    assertEquals(await compareMain([alone, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors.length, 1);
    ok(
      errors[0].startsWith(
        `error: ${alone} has no readable sidecar (helicone_pricing_data_2026-10-01.parquet.json is damaged) and its `,
      ),
      errors[0],
    );
    // a snapshot an export wrote whose plan is empty (a fixture's) is this version's: compared
    const exported = await writeSnapshot(before, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "export",
    });
    errors.length = 0;
    assertEquals(await compareMain([exported.path, newer, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renamed organizations: counted in the summary, their old name last in the per-organization rows", async () => {
  // a renamed Acme → Acme AI, b kept its name, c got a name (no rename an empty cell could say),
  // e disappeared and d appeared under e's old name (not the same organization: no rename)
  const old = exportFrameFromColumns({
    org_id: ["a", "b", "c", "e"],
    org_name: ["Acme", "Beta", null, "Delta"],
    tier: ["pro", "pro", "free", "free"],
    mrr: [50, 20, 0, 0],
  });
  const newer = exportFrameFromColumns({
    org_id: ["a", "b", "c", "d"],
    org_name: ["Acme AI", "Beta", "Gamma", "Delta"],
    tier: ["pro", "pro", "free", "free"],
    mrr: [50, 20, 0, 0],
  });
  const result = compareExports(old, newer);
  assertEquals(column(result.perOrg, "org_name"), ["Acme AI", "Beta", "Gamma", "Delta", "Delta"]);
  assertEquals(column(result.perOrg, "org_name_old"), ["Acme", null, null, null, null]);
  assertEquals(result.perOrg.columns.at(-1), "org_name_old");
  assertEquals(result.counts.renamed, 1);
  // the summary MCP's compare_exports makes, its movers too
  const side = (frame: pl.DataFrame) => summarySide(frame);
  const summary = await compareExportsSummary(side(old), side(newer), { top: 5 });
  assertEquals(summary.counts.renamed, 1);
  assertEquals(column(summary.largestMrrChanges, "org_name_old"), ["Acme", null, null, null, null]);
  const dir = await Deno.makeTempDir();
  try {
    const context = {
      oldLabel: "old",
      newLabel: "new",
      oldStamp: "2026-10-01",
      newStamp: "2026-11-01",
    };
    const { files } = await writeComparison(old, newer, {
      outDir: dir,
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      context,
    });
    const text = await Deno.readTextFile(files.perOrgPath);
    // the columns before it keep their places: it is the header's last
    assertEquals(text.split("\r\n")[0].split(",").at(-1), "org_name_old");
    const { records } = parseCsvRecords(text);
    assertEquals(records.map((r) => [r.org_id, r.org_name, r.org_name_old]), [
      ["a", "Acme AI", "Acme"],
      ["b", "Beta", ""],
      ["c", "Gamma", ""],
      ["d", "Delta", ""],
      ["e", "Delta", ""],
    ]);
    const markdown = await Deno.readTextFile(files.summaryPath);
    ok(
      markdown.includes(
        "| renamed (`org_name` changed; the per-organization CSV's `org_name_old`) | 1 |",
      ),
      markdown,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export or snapshot from just before usage_discounts, unbilled_usage_usd, ptb_requests_cost_unknown_30d or requests_cost_unknown_30d too (readAsIs), is read as it is: compared, the columns empty, nothing refused", async () => {
  assertEquals(EARLIER_HEADERS[0].lacks, ["usage_discounts"]);
  assertEquals(EARLIER_HEADERS[1].lacks, ["unbilled_usage_usd", "usage_discounts"]);
  assertEquals(EARLIER_HEADERS[2].lacks, [
    "ptb_requests_cost_unknown_30d",
    "unbilled_usage_usd",
    "usage_discounts",
  ]);
  assertEquals(EARLIER_HEADERS[3].lacks, [
    "requests_cost_unknown_30d",
    "ptb_requests_cost_unknown_30d",
    "unbilled_usage_usd",
    "usage_discounts",
  ]);
  for (const previous of EARLIER_HEADERS.slice(0, 4)) await readAsItIs(previous);
});

async function readAsItIs(previous: (typeof EARLIER_HEADERS)[number]): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const earlier = exportFrameFromColumns({
      org_id: ["a", "c"],
      tier: ["team", "free"],
      plan: ["team 2025-12-10", "free"],
      mrr: [200, 0],
      company_cost_30d: [20, 1],
    });
    assertEquals(previous.readAsIs, true);
    // its CSV (the header without the column) and its snapshot (written without it)
    const csv = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(earlier, csv);
    // (the columns are the last: their fields taken off the end of every line)
    const last = new RegExp(`(,[^,\\r\\n]*){${previous.lacks.length}}\\r\\n`, "g");
    const text = await Deno.readTextFile(csv);
    await Deno.writeTextFile(csv, text.replaceAll(last, "\r\n"));
    assertEquals((await Deno.readTextFile(csv)).split("\r\n")[0], previous.names.join(","));
    const snapshot = join(dir, "helicone_pricing_data_2026-09-01.parquet");
    earlier.select(...previous.names).writeParquet(snapshot);
    for (const path of [csv, snapshot]) {
      const read = await readExportFile(path);
      assertEquals(column(read.frame, "org_id"), ["a", "c"]);
      for (const name of previous.lacks) assertEquals(column(read.frame, name), [null, null]);
      // said to its reader (describe_dataset says it); a reader not reading it is told nothing
      assertEquals(read.lacks, previous.lacks);
      assertEquals((await readExportFile(path, { columns: ["plan"] })).lacks, []);
      assertEquals(column(read.frame, "plan"), ["team 2025-12-10", "free"]);
    }
    const newer = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(earlier, newer);
    // the comparison says which columns the old file did not have, their totals and changes
    // reading – in its sentence as in the Totals table (one word for one thing)
    const lacked = previous.lacks.map((name) => `\`${name}\``).join(", ");
    for (const [old, date] of [[csv, "2026-10-01"], [snapshot, "2026-09-01"]]) {
      assertEquals(await compareMain([old, newer, "--out-dir", dir, "--quiet"]), 0, old);
      const markdown = await Deno.readTextFile(
        join(dir, `helicone_pricing_compare_${date}_to_2026-11-01.md`),
      );
      ok(
        markdown.includes(
          `Old (\`${basename(old)}\`) was written by an earlier kit version, before ${lacked}: ` +
            `read as empty, so ${previous.lacks.length === 1 ? "its" : "their"} totals and ` +
            "changes read –.",
        ),
        markdown,
      );
      // (the table: both totals, the change and % – for each, the new file written from the
      // same earlier frame)
      for (const name of previous.lacks) {
        ok(markdown.includes(`| \`${name}\` | – | – | – | – |`), markdown);
      }
    }
    // two files of this version: nothing said
    const newest = join(dir, "helicone_pricing_data_2026-12-01.csv");
    await writeCsvFile(earlier, newest);
    assertEquals(await compareMain([newer, newest, "--out-dir", dir, "--quiet"]), 0);
    ok(
      !(await Deno.readTextFile(join(dir, "helicone_pricing_compare_2026-11-01_to_2026-12-01.md")))
        .includes("earlier kit version"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
