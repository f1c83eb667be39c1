/**
 * lib/mcp/dataset.ts: which export the store serves (one per stamp, demo only when told), the
 * formula guard taken off export names, and compare_exports' defaults over that list. The tools
 * run in-process over the SDK's in-memory transport.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadPricingData, runExport } from "../lib/export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { listExports } from "../lib/mcp/export_folder.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  call,
  column,
  connectInMemory,
  LIVE_MARKER,
  liveExport,
  num,
  refused,
  text,
  type Values,
} from "./mcp_client.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

function writeDemo(dir: string, asOf: string, formats: ("csv" | "xlsx")[]) {
  return runExport({
    outDir: dir,
    demo: true,
    asOf: new Date(asOf),
    formats,
    charts: false,
    quiet: true,
    log: () => {},
    env: {},
  });
}

/** An SDK client on a server over `store`, in this process. */
function connect(store: DatasetStore) {
  return connectInMemory(store);
}

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
        /^error: comparing needs two exports in .*; found 1: helicone_pricing_data_2026-11-01_demo\.csv$/,
      );
    } finally {
      await close();
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
        "old covers 30 days, new 7 days: the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change (values as written, not rescaled); revenue_per_request, gross_margin_pct, list_price_mrr and gross_margin_company_pct set the window's usage on a 30-day basis in both; cost_per_request and ptb_cost_share_pct divide two window figures (the window's length cancels)";
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

Deno.test("compare_exports refuses a demo export against a live one, in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const demo = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    await liveExport(dir, { demoCsv: demo.csvPath!, date: "2026-11-02" });
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      refused(
        await call(client, "compare_exports", {
          old: "helicone_pricing_data_2026-10-01_demo.csv",
          new: "helicone_pricing_data_2026-11-02.csv",
        }),
        /^error: old helicone_pricing_data_2026-10-01_demo\.csv is demo data \(its name ends _demo\) and new helicone_pricing_data_2026-11-02\.csv is not: the synthetic dataset against real data compares nothing; compare two live exports or two demo ones$/,
      );
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export whose rows say demo (revenue_source demo) is demo data whatever its name: served as demo, refused against live", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const demo = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    await liveExport(dir, { demoCsv: demo.csvPath!, date: "2026-10-15" });
    // the demo export copied under a live export's name, without its manifest
    await Deno.copyFile(demo.csvPath!, join(dir, "helicone_pricing_data_2026-11-02.csv"));
    await Deno.remove(demo.csvPath!);
    await Deno.remove(demo.csvPath!.replace(/\.csv$/, ".manifest.json"));
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }));
    const served = await store.current();
    assertEquals(
      [served.source.path, served.demo],
      [join(dir, "helicone_pricing_data_2026-11-02.csv"), true],
    );
    const { client, close } = await connect(store);
    try {
      refused(
        await call(client, "compare_exports", {
          old: "helicone_pricing_data_2026-10-15.csv",
          new: "helicone_pricing_data_2026-11-02.csv",
        }),
        /^error: new helicone_pricing_data_2026-11-02\.csv is demo data \(its rows' revenue_source is demo \(the demo generator's\)\) and old helicone_pricing_data_2026-10-15\.csv is not: /,
      );
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports: a demo export copied under a live export's name compares with a demo export (its rows say demo)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    const demo = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    // the same demo export under a live export's name, without its manifest
    await Deno.copyFile(demo.csvPath!, join(dir, "helicone_pricing_data_2026-11-02.csv"));
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports", {
        old: "helicone_pricing_data_2026-10-01_demo.csv",
        new: "helicone_pricing_data_2026-11-02.csv",
      });
      assertEquals(result.isError, undefined, text(result));
      // the same rows: nobody appeared or disappeared
      const counts = result.structuredContent!.counts as Values;
      assertEquals([counts.appeared, counts.disappeared], [0, 0]);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports counts and lists raw tier and plan changes (a plan migration)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  // m moves from the legacy team bundle (team-20250130) to team-20251210; its tier family stays
  const org = (tierRaw: string, plan: string, mrr: number) =>
    exportFrameFromColumns({
      org_id: ["m", "n"],
      org_name: ["*Mover*", "Stayer"],
      tier: ["team", "pro"],
      tier_raw: [tierRaw, "pro"],
      plan: [plan, "pro (seat, legacy)"],
      mrr: [mrr, 40],
    });
  try {
    await writeCsvFile(
      org("team-20250130", "team (bundle, legacy)", 200),
      join(dir, "helicone_pricing_data_2026-10-01.csv"),
    );
    await writeCsvFile(
      org("team-20251210", "team 2025-12-10", 799),
      join(dir, "helicone_pricing_data_2026-11-01.csv"),
    );
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      const out = result.structuredContent!;
      const counts = out.counts as Values;
      assertEquals([counts.tierChanged, counts.tierRawChanged, counts.planChanged], [0, 1, 1]);
      assertEquals(out.tier_changes, []);
      assertEquals(out.tier_raw_changes, [
        { tier_raw_old: "team-20250130", tier_raw_new: "team-20251210", organizations: 1 },
      ]);
      assertEquals(out.plan_changes, [
        { plan_old: "team (bundle, legacy)", plan_new: "team 2025-12-10", organizations: 1 },
      ]);
      const lines = text(result).split("\n");
      // each table's first row, under its heading and header (values as JSON literals)
      const firstRow = (heading: string) => lines[lines.indexOf(heading) + 2];
      assertEquals(
        firstRow("raw tier (tier_raw) changes:"),
        '"team-20250130" | "team-20251210" | 1',
      );
      assertEquals(firstRow("plan changes:"), '"team (bundle, legacy)" | "team 2025-12-10" | 1');
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports: the totals' change is like for like, the older file read again for it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  // nobody's MRR changed: Stripe did not answer for x in the old export, for y in the new one
  const org = (mrr: (number | null)[]) =>
    exportFrameFromColumns({
      org_id: ["x", "y", "z"],
      org_name: ["X", "Y", "Z"],
      tier: ["pro", "team", "pro"],
      mrr,
    });
  try {
    await writeCsvFile(org([null, 300, 50]), join(dir, "helicone_pricing_data_2026-10-01.csv"));
    await writeCsvFile(org([100, null, 50]), join(dir, "helicone_pricing_data_2026-11-01.csv"));
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      const mrr = (result.structuredContent!.totals as Values[]).find((row) =>
        row.column === "mrr"
      )!;
      // totals 350 (x unknown) and 150 (y unknown); only z is known in both: 50 → 50
      assertEquals(
        [mrr.old_total, mrr.new_total, mrr.unknown_old, mrr.unknown_new, mrr.delta],
        [350, 150, 1, 1, 0],
      );
      assertEquals(mrr.change_pct, 0);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exports: a manifest or brief that lands after the CSV is picked up, and a changed one too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  const held = await Deno.makeTempDir({ prefix: "mcp_dataset_held_" });
  try {
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const stem = "helicone_pricing_data_2026-11-01_demo";
    // the CSV lands first; its manifest and brief are not there yet
    for (const ext of ["manifest.json", "md"]) {
      await Deno.rename(join(dir, `${stem}.${ext}`), join(held, `${stem}.${ext}`));
    }
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    const describe = async () => {
      const result = await call(client, "describe_dataset");
      assertEquals(result.isError, undefined, text(result));
      return result.structuredContent!;
    };
    const brief = async () =>
      ((await client.readResource({ uri: "pricing://brief" })).contents[0] as { text?: string })
        .text;
    const briefText = await Deno.readTextFile(join(held, `${stem}.md`));
    try {
      const before = await describe();
      ok((before.warnings as string[]).some((w) => w.startsWith("no manifest beside")));
      assertEquals((before.cost_model as Values).from, "settings");
      ok(await brief() !== briefText, "no brief file yet: one is written from the data");

      for (const ext of ["manifest.json", "md"]) {
        await Deno.rename(join(held, `${stem}.${ext}`), join(dir, `${stem}.${ext}`));
      }
      const after = await describe();
      assertEquals(
        (after.warnings as string[]).filter((w) => w.startsWith("no manifest beside")),
        [],
      );
      assertEquals((after.cost_model as Values).from, "manifest");
      assertEquals(await brief(), briefText);

      // a manifest rewritten in place (another warning) is read again too
      const manifestPath = join(dir, `${stem}.manifest.json`);
      const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
      manifest.warnings = [...manifest.warnings, "rewritten after the CSV"];
      await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
      ok(((await describe()).warnings as string[]).includes("rewritten after the CSV"));

      // a damaged manifest is named, not taken for a missing one nor read as far as it goes
      const damaged: [string, RegExp][] = [
        [JSON.stringify({ as_of: manifest.as_of }), /is damaged: it has no window; /],
        [
          JSON.stringify({ ...manifest, window: { ...manifest.window, start: "x" } }),
          /is damaged: window\.start or window\.end is not a date and time; /,
        ],
        [JSON.stringify(manifest).slice(0, 100), /is not JSON \(cut short\?\); /],
      ];
      for (const [bytes, problem] of damaged) {
        await Deno.writeTextFile(manifestPath, bytes);
        for (const tool of ["describe_dataset", "query_sql"]) {
          const result = await call(
            client,
            tool,
            tool === "query_sql" ? { sql: "SELECT count(*) AS n FROM orgs" } : {},
          );
          refused(result, problem);
          const line = text(result);
          ok(line.includes(`the manifest ${stem}.manifest.json `), line);
          ok(line.endsWith(`export again (deno task export), or move it out of ${dir}`), line);
        }
      }
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(held, { recursive: true });
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

Deno.test("an unreadable newest export: every tool answers from the newest that reads and says so first; alone it is refused naming the file and the fix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_unreadable_" });
  const stem = (date: string) => `helicone_pricing_data_${date}_demo`;
  const [oldStem, newStem] = [stem("2026-10-01"), stem("2026-11-01")];
  try {
    const old = await writeDemo(dir, "2026-10-01T00:00:00Z", ["csv"]);
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    const oldRows = old.data.frame.height;
    const newCsv = join(dir, `${newStem}.csv`);
    const newManifest = join(dir, `${newStem}.manifest.json`);
    const [csvBytes, manifestBytes] = [
      await Deno.readTextFile(newCsv),
      await Deno.readTextFile(newManifest),
    ];
    const fix = `export again (deno task export), or move it out of ${dir}`;
    const { client, close } = await connect(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    const note = (problem: string) =>
      `warning: not the newest export: this is from ${oldStem}.csv (as of ` +
      `2026-10-01T00:00:00.000Z, 30 days), the newest that can be read; the newest cannot be ` +
      `read: ${problem}`;
    const notNewest = (problem: string) => ({
      file: `${oldStem}.csv`,
      as_of: "2026-10-01T00:00:00.000Z",
      window_days: 30,
      unreadable: [{ file: `${newStem}.csv`, problem }],
      unreadable_total: 1,
    });
    const firstLine = (result: Awaited<ReturnType<typeof call>>) => {
      assertEquals(result.isError, undefined, text(result));
      return text(result).split("\n")[0];
    };
    try {
      // the CSV written empty: every tool and resource answers from 2026-10-01, saying so first
      await Deno.writeTextFile(newCsv, "");
      const empty = `${newCsv} is empty; not an export of this kit; ${fix}`;
      const described = await call(client, "describe_dataset");
      assertEquals(firstLine(described), note(empty));
      const d = described.structuredContent!;
      assertEquals([d.as_of, d.row_count], ["2026-10-01T00:00:00.000Z", oldRows]);
      assertEquals(d.not_newest, notNewest(empty));
      const counted = await call(client, "query_sql", {
        sql: "SELECT count(*) AS n FROM pricing_data",
      });
      assertEquals(firstLine(counted), note(empty));
      assertEquals(counted.structuredContent!.rows, [{ n: oldRows }]);
      assertEquals(counted.structuredContent!.not_newest, notNewest(empty));
      // the note's room is taken from the cap: a table cut to the smallest cap still fits with it
      const small = await connect(
        new DatasetStore(
          mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, PRICING_MCP_MAX_BYTES: "8192" }),
        ),
      );
      try {
        const wide = await call(small.client, "query_sql", {
          sql: "SELECT org_id, org_name FROM pricing_data",
        });
        assertEquals(firstLine(wide), note(empty));
        ok(
          new TextEncoder().encode(text(wide)).length +
              new TextEncoder().encode(JSON.stringify(wide.structuredContent)).length <= 8192,
          "within PRICING_MCP_MAX_BYTES",
        );
        assertEquals(wide.structuredContent!.truncated, true);
      } finally {
        await small.close();
      }
      const orgId = column(old.data.frame, "org_id")[0] as string;
      const org = await call(client, "organization", { org: orgId });
      assertEquals(firstLine(org), note(empty));
      assertEquals((org.structuredContent!.row as Values).org_id, orgId);
      for (
        const [tool, args] of [
          ["key_question", { question: "underpriced" }],
          ["segment", { name: "negative_margin" }],
          ["run_scenario", { preset: "per_request" }],
          ["chart", { name: "margin_by_tier" }],
        ] as const
      ) {
        const result = await call(client, tool, args);
        assertEquals(firstLine(result), note(empty), tool);
        if (tool !== "chart") {
          assertEquals(result.structuredContent!.not_newest, notNewest(empty), tool);
        }
      }
      for (const uri of ["pricing://brief", "pricing://export.csv", "pricing://price-book"]) {
        const parts = (await client.readResource({ uri })).contents as {
          mimeType?: string;
          text?: string;
        }[];
        assertEquals([parts[0].mimeType, parts[0].text], ["text/plain", note(empty)], uri);
        // the rest is the 2026-10-01 export's: its CSV's first whole rows (cut to the byte cap)
        if (uri === "pricing://export.csv") {
          // (text cells escaped: each field read back as the JSON string it is the inside of)
          const oldRows = parseCsv(await Deno.readTextFile(join(dir, `${oldStem}.csv`)));
          const served = parseCsv(parts[1].text!)
            .map((row) => row.map((field) => JSON.parse(`"${field}"`)));
          ok(served.length > 1, uri);
          assertEquals(served, oldRows.slice(0, served.length), uri);
        }
      }
      // compare's default pair starts with the newest: refused, not replaced by another pair
      refused(
        await call(client, "compare_exports"),
        new RegExp(
          `^error: new defaults to the newest export, which cannot be read: ${
            escape(empty)
          }; or name old and new to compare two others ` +
            `\\(exports: ${newStem}\\.csv, ${oldStem}\\.csv\\)$`,
        ),
      );

      // the CSV cut in its fourth line, after its fifth field: the reader names the row (row 4,
      // counting the header as row 1)
      const lines = csvBytes.split("\n");
      await Deno.writeTextFile(
        newCsv,
        [...lines.slice(0, 3), lines[3].split(",").slice(0, 5).join(",")].join("\n"),
      );
      const cut = `${newCsv} row 4 has 5 fields, the header has ${
        lines[0].split(",").length
      }; ${fix}`;
      assertEquals(firstLine(await call(client, "describe_dataset")), note(cut));

      // the CSV whole again but its manifest cut short: the manifest is named
      await Deno.writeTextFile(newCsv, csvBytes);
      await Deno.writeTextFile(newManifest, manifestBytes.slice(0, 100));
      const manifestCut = `the manifest ${newStem}.manifest.json is not JSON (cut short?); ${fix}`;
      assertEquals(
        firstLine(await call(client, "query_sql", { sql: "SELECT 1 AS one" })),
        note(manifestCut),
      );

      // both unreadable: refused in one line naming the newest, its fix, and the older one
      const oldCsv = join(dir, `${oldStem}.csv`);
      const oldBytes = await Deno.readTextFile(oldCsv);
      await Deno.writeTextFile(oldCsv, "");
      for (const tool of ["describe_dataset", "organization"]) {
        const result = await call(client, tool, tool === "organization" ? { org: orgId } : {});
        assertEquals(
          [result.isError, text(result)],
          [
            true,
            `error: ${manifestCut} (the 1 older export there cannot be read either: ${oldStem}.csv)`,
          ],
        );
      }
      // alone: the newest's error, as it was
      await Deno.remove(oldCsv);
      refused(
        await call(client, "describe_dataset"),
        new RegExp(`^error: ${escape(manifestCut)}$`),
      );

      // mended: the newest is served again, with no warning
      await Deno.writeTextFile(oldCsv, oldBytes);
      await Deno.writeTextFile(newManifest, manifestBytes);
      const mended = await call(client, "describe_dataset");
      assertEquals(firstLine(mended).startsWith("pricing dataset: "), true, firstLine(mended));
      assertEquals(mended.structuredContent!.as_of, "2026-11-01T00:00:00.000Z");
      assertEquals(mended.structuredContent!.not_newest, undefined);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `text` as a literal in a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("the newest export published again while the server reads it: read again, its file with its own manifest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_dataset_" });
  try {
    await writeDemo(dir, "2026-11-01T00:00:00Z", ["csv"]);
    let reads = 0;
    const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }), {
      // another run publishes the same set (another as-of that day, an infrastructure cost) between
      // the server's read of the CSV and of its manifest
      afterFileRead: async () => {
        if (++reads > 1) return;
        await runExport({
          outDir: dir,
          demo: true,
          asOf: new Date("2026-11-01T06:00:00Z"),
          formats: ["csv"],
          charts: false,
          quiet: true,
          log: () => {},
          env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "2" },
        });
      },
    });
    const dataset = await store.current();
    assertEquals(reads, 2, "read again once the set changed under the first read");
    assertEquals(dataset.asOf.toISOString(), "2026-11-01T06:00:00.000Z");
    assertEquals(dataset.costModel?.infra_usd_per_1k_requests, 2);
    const [cost, llm, requests] = ["company_cost_30d", "llm_cost_ptb_30d", "requests_30d"]
      .map((name) => dataset.frame.getColumn(name).toArray() as number[]);
    ok(requests.some((n) => n > 0));
    requests.forEach((n, i) => ok(Math.abs(cost[i] - (llm[i] + n / 1000 * 2)) < 1e-6, `row ${i}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
