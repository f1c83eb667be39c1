/**
 * lib/mcp/dataset.ts: which export the store serves (one per stamp, demo only when told), the
 * formula guard taken off export names, and run_export's one run at a time. The tools run
 * in-process over the SDK's in-memory transport. (compare_exports over that list:
 * mcp_dataset_compare_test.ts; exports changing under the server: mcp_dataset_changes_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData, runExport } from "../lib/export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { listExports } from "../lib/mcp/export_folder.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import {
  call,
  column,
  LIVE_MARKER,
  liveExport,
  num,
  refused,
  text,
  type Values,
} from "./mcp_client.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";
import { connect, writeDemo } from "./mcp_dataset_fixture.ts";

Deno.test("exports: CSV and XLSX of one stamp are one export; compare defaults to the two newest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const old = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv", "xlsx"]);
    const current = await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv", "xlsx"]);
    // a second download of an export beside it is not another export
    await Deno.copyFile(
      current.csvPath!,
      join(dir, "helicone_pricing_data_2026-11-01_demo (1).csv"),
    );
    const listed = await listExports(dir);
    assertEquals(listed.map((e) => [e.name, e.files]), [
      [
        "helicone_pricing_data_2026-11-01_demo.csv",
        ["helicone_pricing_data_2026-11-01_demo.csv", "helicone_pricing_data_2026-11-01_demo.xlsx"],
      ],
      [
        "helicone_pricing_data_2026-10-01_demo.csv",
        ["helicone_pricing_data_2026-10-01_demo.csv", "helicone_pricing_data_2026-10-01_demo.xlsx"],
      ],
    ]);

    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      assertEquals(result.isError, undefined, text(result));
      const s = result.structuredContent!;
      assertEquals([s.old, s.new], [
        "helicone_pricing_data_2026-10-01_demo.csv",
        "helicone_pricing_data_2026-11-01_demo.csv",
      ]);
      const mrr = (f: typeof old.data.frame) =>
        column(f, "mrr").reduce((a: number, v) => a + (num(v) ?? 0), 0);
      const mrrRow = (s.totals as Values[]).find((r) => r.column === "mrr")!;
      assertEquals([mrrRow.old_total, mrrRow.new_total].map((v) => Math.round(v as number)), [
        Math.round(mrr(old.data.frame)),
        Math.round(mrr(current.data.frame)),
      ]);
      // An export is picked by either of its files' names.
      const byXlsx = await call(client, "compare_exports", {
        old: "helicone_pricing_data_2026-10-01_demo.xlsx",
      });
      assertEquals(byXlsx.structuredContent!.old, "helicone_pricing_data_2026-10-01_demo.csv");

      // One export (its CSV and XLSX) is not two.
      for (const ext of ["csv", "xlsx", "manifest.json", "md"]) {
        await Deno.remove(join(dir, `helicone_pricing_data_2026-10-01_demo.${ext}`)).catch(
          () => {},
        );
      }
      refused(
        await call(client, "compare_exports"),
        // (both exports stored their snapshots: the two month ends are named to compare)
        /^error: comparing needs two exports in .*; found 1: helicone_pricing_data_2026-11-01_demo\.csv; or compare two history snapshots by as-of date, e.g. old "2026-10-01", new "2026-11-01" \(2 snapshots; describe_dataset lists them\)$/,
      );
    } finally {
      await close();
    }
    // the snapshots' hint is a suggestion: a history folder it cannot list (here a file) leaves
    // the error the compare's own
    const notAFolder = join(dir, "history_file");
    await Deno.writeTextFile(notAFolder, "");
    const other = await connect(
      new DatasetStore(
        mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_HISTORY_DIR: notAFolder }),
      ),
    );
    try {
      refused(
        await call(other.client, "compare_exports"),
        /^error: comparing needs two exports in .*; found 1: helicone_pricing_data_2026-11-01_demo\.csv$/,
      );
    } finally {
      await other.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exports: of one date the 30-day export is served; compare pairs exports of one window", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  const write = (asOf: string, windowDays: number) =>
    runExport({
      outDir: dir,
      demo: true,
      asOf: new Date(asOf),
      windowDays,
      formats: ["csv"],
      charts: false,
      history: false,
      quiet: true,
      log: () => {},
      env: {},
    });
  try {
    await write("2026-10-01T00:00:00Z", 30);
    await write("2026-11-01T00:00:00Z", 30);
    await write("2026-11-01T00:00:00Z", 7); // written last: the newest file of its date
    assertEquals((await listExports(dir)).map((e) => [e.name, e.windowDays]), [
      ["helicone_pricing_data_2026-11-01_demo.csv", 30],
      ["helicone_pricing_data_2026-11-01_demo_7d.csv", 7],
      ["helicone_pricing_data_2026-10-01_demo.csv", 30],
    ]);
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const served = await call(client, "describe_dataset");
      ok(text(served).includes("helicone_pricing_data_2026-11-01_demo.csv"), text(served));
      const defaults = await call(client, "compare_exports");
      assertEquals(
        [defaults.structuredContent!.old, defaults.structuredContent!.new],
        ["helicone_pricing_data_2026-10-01_demo.csv", "helicone_pricing_data_2026-11-01_demo.csv"],
      );
      ok(!("warning" in defaults.structuredContent!), "one window: no warning");
      // named by the user, a 30-day and a 7-day export: compared, with the warning first
      const mixed = await call(client, "compare_exports", {
        old: "helicone_pricing_data_2026-11-01_demo.csv",
        new: "helicone_pricing_data_2026-11-01_demo_7d.csv",
      });
      const warning =
        "old covers 30 days, new 7 days: the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change (values as written, not rescaled); revenue_per_request, gross_margin_pct, list_price_mrr, gross_margin_company_pct and unbilled_usage_usd set the window's usage on a 30-day basis in both; cost_per_request and ptb_cost_share_pct divide two window figures (the window's length cancels)";
      assertEquals(mixed.structuredContent!.warning, warning);
      assertEquals(text(mixed).split("\n")[0], `warning: ${warning}`);
      // the 7-day export's own default partner: none of its window, and that is said
      const exportsLine =
        "found 3: helicone_pricing_data_2026-11-01_demo.csv, helicone_pricing_data_2026-11-01_demo_7d.csv, helicone_pricing_data_2026-10-01_demo.csv";
      assertEquals(
        text(
          await call(client, "compare_exports", {
            new: "helicone_pricing_data_2026-11-01_demo_7d.csv",
          }),
        ),
        `error: no export before helicone_pricing_data_2026-11-01_demo_7d.csv of the same kind (demo) and window (7 days) in ${dir} to compare it with (or name old and new); ${exportsLine}`,
      );
      // two exports of different windows: the default pair has none of the newest's window
      await Deno.remove(join(dir, "helicone_pricing_data_2026-10-01_demo.csv"));
      refused(
        await call(client, "compare_exports"),
        /^error: no export before helicone_pricing_data_2026-11-01_demo\.csv of the same kind \(demo\) and window \(30 days\) in .* to compare it with \(or name old and new\); found 2: helicone_pricing_data_2026-11-01_demo\.csv, helicone_pricing_data_2026-11-01_demo_7d\.csv$/,
      );
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exports: the CSV's formula guard is taken off the served names, as in the demo frame", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const written = await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const csv = await Deno.readTextFile(written.csvPath!);
    ok(csv.includes("'+1 Growth Co"), "the CSV holds the guarded name");
    const demo = await loadPricingData({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      env: {},
      quiet: true,
      log: () => {},
    });
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }));
    const served = await store.current();
    assertEquals(served.source.kind, "export");
    assertEquals(column(served.frame, "org_name"), column(demo.frame, "org_name"));

    const names = column(demo.frame, "org_name") as string[];
    const { client, close } = await connect(store);
    try {
      for (const name of ["+1 Growth Co", '=HYPERLINK("http://example.com","click")']) {
        const result = await call(client, "query_sql", {
          sql: `SELECT count(*) AS n FROM pricing_data WHERE org_name = '${name}'`,
        });
        const n = (result.structuredContent!.rows as Values[])[0].n;
        assertEquals(n, names.filter((v) => v === name).length, name);
        ok((n as number) > 0, `${name} is in the demo data`);
      }
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo only: live exports are never served, compared or listed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const demo = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    const live = await liveExport(dir, { demoCsv: demo.csvPath!, date: "2026-11-02" });
    const settings = mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir });

    // Without demoOnly the newest export is served, live or not.
    assertEquals((await new DatasetStore(settings).current()).source.path, live);

    const store = new DatasetStore({ ...settings, demoOnly: true });
    const served = await store.current();
    assertEquals([served.demo, served.source.path], [true, demo.csvPath]);
    assertEquals(column(served.frame, "org_name").includes(LIVE_MARKER), false);
    assertEquals((await listExports(dir, { demoOnly: true })).map((e) => e.path), [demo.csvPath]);
    const { client, close } = await connect(store);
    try {
      refused(await call(client, "compare_exports"), /comparing needs two exports.*found 1:/);
      refused(
        await call(client, "compare_exports", { old: "helicone_pricing_data_2026-11-02.csv" }),
        /no export named "helicone_pricing_data_2026-11-02\.csv"/,
      );
    } finally {
      await close();
    }

    // Only a live export: the demo dataset in memory, saying there is no demo export.
    await Deno.remove(demo.csvPath!);
    const memory = await new DatasetStore({ ...settings, demoOnly: true }).current();
    assertEquals([memory.demo, memory.source.kind], [true, "memory"]);
    ok(memory.warnings[0].startsWith(`no demo export in ${dir}`), memory.warnings[0]);

    // A file named _demo whose manifest says live: refused, not served.
    await liveExport(dir, {
      demoCsv: live,
      date: "2026-11-03",
      stem: "helicone_pricing_data_2026-11-03_demo",
    });
    const renamed = new DatasetStore({ ...settings, demoOnly: true });
    await renamed.current().then(
      () => ok(false, "a live manifest must not be served"),
      (error) => ok(/is live data .* serves demo data only/.test(error.message), error.message),
    );
    // ... and not compared either, named or by default, once a newer demo export is served
    await writeDemo(dir, "2026-11-04T00:00:00Z", ["csv"]);
    const newer = new DatasetStore({ ...settings, demoOnly: true });
    assertEquals((await newer.current()).demo, true);
    const compared = await connect(newer);
    try {
      const liveName = "helicone_pricing_data_2026-11-03_demo.csv";
      for (const args of [{ old: liveName }, {}]) {
        refused(
          await call(compared.client, "compare_exports", args),
          /^error: helicone_pricing_data_2026-11-03_demo\.csv is live data \(its manifest says "demo": false\) and this server serves demo data only/,
        );
      }
    } finally {
      await compared.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_export: a run for another window while one runs is refused; each answer names the export it wrote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_test_" });
  const store = new DatasetStore(
    mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_MCP_ALLOW_EXPORT: "1" }),
    { now: () => new Date("2026-11-01T00:00:00Z") },
  );
  const { client, close } = await connect(store);
  const thirty = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
  const fourteen = join(dir, "helicone_pricing_data_2026-11-01_demo_14d.csv");
  try {
    const first = call(client, "run_export", { days: 30 });
    const started = Date.now();
    while (store.exportingDays !== 30) {
      ok(Date.now() - started < HANG_GUARD_MS, "the 30-day export to start"); // (a hang guard)
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // the same window shares the run under way; another window is refused, not given it
    const same = call(client, "run_export", { days: 30 });
    refused(
      await call(client, "run_export", { days: 14 }),
      /^error: an export over a 30-day window is under way; ask for the 14-day one again once it has finished$/,
    );
    for (const result of [await first, await same]) {
      assertEquals(result.isError, undefined, text(result));
      const s = result.structuredContent!;
      // the demo's 400 organizations
      assertEquals([s.path, s.served_path, s.window_days, s.row_count], [thirty, thirty, 30, 400]);
      ok(text(result).endsWith(`over 30 days to ${thirty}`), text(result));
    }
    // once it has finished the 14-day run is its own: written, and said not to be the data served
    // (of one date the 30-day export is)
    const own = await call(client, "run_export", { days: 14 });
    assertEquals(own.isError, undefined, text(own));
    const s = own.structuredContent!;
    assertEquals([s.path, s.served_path, s.window_days, s.row_count], [fourteen, thirty, 14, 400]);
    assertEquals(
      text(own),
      `exported 400 organizations as of 2026-11-01T00:00:00.000Z over 14 days to ${fourteen}; ` +
        `the dataset served stays ${thirty} (of one date the 30-day export is served)`,
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "run_export into a read-only exports folder: one line naming PRICING_MCP_EXPORTS_DIR, which chose it, and the fix",
  async (folder) => {
    await folder.readOnly();
    const store = new DatasetStore(
      mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir, PRICING_MCP_ALLOW_EXPORT: "1" }),
      { now: () => new Date("2026-11-01T00:00:00Z") },
    );
    const { client, close } = await connect(store);
    try {
      const result = await call(client, "run_export", { days: 30 });
      ok(result.isError, text(result));
      assertEquals(
        text(result),
        `error: PRICING_MCP_EXPORTS_DIR ${folder.dir} is not writable (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or set PRICING_MCP_EXPORTS_DIR to another folder`,
      );
      assertEquals([...Deno.readDirSync(folder.dir)], []);
    } finally {
      await close();
    }
  },
);
