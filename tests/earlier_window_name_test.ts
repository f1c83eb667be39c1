/**
 * Kits before 2026-12-02 named a 7-day export as a 30-day one (`…_2026-11-15_demo.csv`, no
 * `_7d`); only the manifest written with it says 7 days. The fixture is three organizations of
 * such an export by 8473bc8 (its 41 columns, CRLF) with that run's manifest trimmed to the fields
 * read here, its `files` entry the trimmed CSV's size: Harbor Bank 391 164 requests $0, Granite
 * Games 32 5,007 requests $889, Delta Bank 118 8,663 requests $70.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFileFacts } from "../lib/formats/export_demo.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { listExports } from "../lib/mcp/export_folder.ts";
import { captureConsole } from "./console_capture.ts";
import { runHistory } from "./history_cli_run.ts";

const STAMP = "helicone_pricing_data_2026-11-15_demo";
const NOTE = `${STAMP}.csv is a 7-day export named as a 30-day one (an earlier kit named it ` +
  `without _7d): read as 7 days, as its manifest ${STAMP}.manifest.json says`;

/** The fixture's CSV and manifest in a fresh folder. */
async function earlierExport(): Promise<{ dir: string; csv: string }> {
  const dir = await Deno.makeTempDir({ prefix: "earlier_7d_" });
  const fixtures = fileURLToPath(new URL("./fixtures/earlier_7d/", import.meta.url));
  for (const ext of ["csv", "manifest.json"]) {
    await Deno.copyFile(join(fixtures, `${STAMP}.${ext}`), join(dir, `${STAMP}.${ext}`));
  }
  return { dir, csv: join(dir, `${STAMP}.csv`) };
}

Deno.test("an earlier kit's 7-day export named without _7d is of the window its manifest lists it under", async () => {
  const { dir, csv } = await earlierExport();
  try {
    const facts = await exportFileFacts(csv);
    assertEquals([facts.windowDays, facts.windowNote], [7, NOTE]);
    // an XLSX of the stamp its manifest does not list: an earlier 30-day run's, which a 7-day
    // run left beside its own manifest; its name's 30 days stand
    const xlsx = join(dir, `${STAMP}.xlsx`);
    await Deno.writeFile(xlsx, new Uint8Array([0x50, 0x4b]));
    assertEquals([
      (await exportFileFacts(xlsx)).windowDays,
      (await exportFileFacts(xlsx)).windowNote,
    ], [
      30,
      null,
    ]);
    // the MCP server's listing takes the manifest's window too (compare_exports pairs by it)
    assertEquals((await listExports(dir)).map((e) => [e.name, e.files, e.windowDays]), [
      [`${STAMP}.csv`, [`${STAMP}.csv`, `${STAMP}.xlsx`], 7],
    ]);
    // the CSV changed since its manifest was written (another size): not the file it lists
    await Deno.writeTextFile(csv, "\r\n", { append: true });
    assertEquals((await exportFileFacts(csv)).windowDays, 30);
    // the listing remembers a file's window while its size and time stay: not after that
    assertEquals((await listExports(dir)).map((e) => e.windowDays), [30]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scenario --input prices an earlier kit's unsuffixed 7-day export on a 30-day basis and says why", async () => {
  const { dir, csv } = await earlierExport();
  const { errors, logs, restore } = captureConsole();
  try {
    const scenario = join(dir, "usage.json");
    await Deno.writeTextFile(
      scenario,
      JSON.stringify({
        name: "usage",
        plans: [{
          name: "everyone",
          perRequest: {
            includedRequests: 0,
            mode: "graduated",
            tiers: [{ upTo: null, usdPer1k: 1 }],
          },
        }],
      }),
    );
    assertEquals(
      await scenarioMain([scenario, "--input", csv, "--out-dir", dir]),
      0,
      errors.join(),
    );
    // $1 per 1,000 requests × 30 / 7: (164 + 5,007 + 8,663) × 30 / 7 / 1,000 = $59.29 (read as
    // 30 days it was $13.83) against 0 + 889 + 70 = $959: −93.8 %
    assertEquals(
      logs[0],
      "Scenario usage (DEMO DATA): current MRR $959.00, proposed $59.29 (-93.8 %); 1 pay more, 2 pay less, 0 unchanged",
    );
    ok(errors.includes(`warning: ${NOTE}`), errors.join("\n"));
    // the outputs are named for its window, beside no 30-day scenario of that date
    const summary = await Deno.readTextFile(
      join(dir, `helicone_pricing_scenario_usage_2026-11-15_demo_7d.md`),
    );
    // (its Markdown has the file names as code)
    ok(summary.includes("is a 7-day export named as a 30-day one"), summary);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history import refuses an earlier kit's unsuffixed 7-day export in one line, as it does a _7d one", async () => {
  const { dir, csv } = await earlierExport();
  try {
    const history = join(dir, "history");
    const result = await runHistory(["import", csv, "--history-dir", history]);
    assertEquals(result.code, 1);
    assertEquals(result.errors, [
      `error: ${csv}: a 7-day export (its manifest says so; an earlier kit named it without _7d); history compares 30-day exports only (export without --days)`,
    ]);
    assertEquals(await Deno.stat(history).catch(() => null), null, "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
