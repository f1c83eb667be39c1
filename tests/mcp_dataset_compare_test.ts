/**
 * compare_exports over the store's list (lib/mcp/dataset.ts): demo against live refused (by name
 * or by the rows' revenue_source), raw tier and plan changes, the totals' change like for like.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, liveExport, refused, text, type Values } from "./mcp_client.ts";
import { connect, writeDemo } from "./mcp_dataset_fixture.ts";

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
