/**
 * lib/mcp/tools_compare.ts: compare_exports' largest MRR changes say which organizations share a
 * Stripe customer, as the CLI summary does: a customer's MRR moving to a newer organization reads
 * as one organization's rise and another's fall; of two windows each totals row names the window
 * it is over, as the totals CSV does. Small live exports written by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { TOTALS_NOTE } from "../lib/mcp/compare_answer.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { call, connectInMemory, stdioClient, text, type Values } from "./mcp_client.ts";

Deno.test("compare_exports marks the MRR movers whose Stripe customer is shared, with a note", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    // cus_4 pays $400 on Four (growth); a month later a newer enterprise organization Six
    // carries it at $450 and Four shares it; One pays $100 throughout
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o4", "o1"],
        org_name: ["Four | *bold*", "One"],
        tier: ["growth", "pro"],
        stripe_customer_id: ["cus_4", "cus_1"],
        revenue_source: ["stripe", "stripe"],
        mrr: [400, 100],
      }),
      join(dir, "helicone_pricing_data_2026-01-01.csv"),
    );
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o6", "o4", "o1"],
        org_name: ["Six", "Four | *bold*", "One"],
        tier: ["enterprise", "growth", "pro"],
        stripe_customer_id: ["cus_4", "cus_4", "cus_1"],
        revenue_source: ["stripe", "shared_customer", "stripe"],
        mrr: [450, null, 100],
      }),
      join(dir, "helicone_pricing_data_2026-02-01.csv"),
    );
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      ok(!result.isError, text(result));
      const s = result.structuredContent!;
      const movers = (s.mrr_movers as Values[]).map((row) => [
        row.org_id,
        row.presence,
        row.mrr_delta,
        row.shared_customer_old,
        row.shared_customer_new,
      ]);
      // Six +450 from nothing, Four 400 → 0, One unchanged; Six and Four share cus_4 in the new file
      assertEquals(movers, [
        ["o6", "appeared", 450, null, true],
        ["o4", "both", -400, false, true],
        ["o1", "both", 0, false, false],
      ]);
      ok(String(s.mrr_movers_note).includes("not necessarily new or lost business"), text(result));
      const lines = text(result).split("\n");
      ok(
        lines.at(-1)!.startsWith("note: shared_customer_old / shared_customer_new true:"),
        text(result),
      );
      // the organization's name stays data in the text table
      ok(!text(result).includes("Four | *bold*"), text(result));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports of two 7-day exports says their window (a note, window_note)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    for (const [date, requests] of [["2026-11-24", 700], ["2026-12-01", 1400]] as const) {
      await writeCsvFile(
        exportFrameFromColumns({ org_id: ["o1"], tier: ["pro"], requests_30d: [requests] }),
        join(dir, `helicone_pricing_data_${date}_7d.csv`),
      );
    }
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "compare_exports");
      ok(!result.isError, text(result));
      const note = result.structuredContent!.window_note as string;
      ok(note.startsWith("both cover 7 days, not 30: the *_30d columns"), note);
      ok(note.includes("mrr and the other amounts per month are monthly"), note);
      ok(text(result).split("\n").includes(`note: ${note}`), text(result));
      assertEquals(result.structuredContent!.warning, undefined);
      // requests_30d: 700 → 1,400 over each side's 7 days
      const row = (result.structuredContent!.totals as Values[])
        .find((r) => r.column === "requests_30d")!;
      assertEquals([row.old_total, row.new_total], [700, 1400]);
      // one window: the rows as ever, the note says it (a window per row only of two windows)
      ok(!("window" in row), JSON.stringify(row));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports of a 30-day and a 7-day export names each totals row's window", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o1", "o2"],
        tier: ["pro", "pro"],
        requests_30d: [1000, 3000],
        llm_cost_30d: [10, 30],
        seats: [3, 2],
        mrr: [100, 50],
        list_price_mrr: [120, 80],
      }),
      join(dir, "helicone_pricing_data_2026-11-01.csv"),
    );
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["o1", "o3"],
        tier: ["pro", "pro"],
        requests_30d: [400, 600],
        llm_cost_30d: [2.5, 7.5],
        seats: [4, 2],
        mrr: [100, 20],
        list_price_mrr: [120, 30],
      }),
      join(dir, "helicone_pricing_data_2026-11-08_7d.csv"),
    );
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      // listed first, the client checks the result against the outputSchema on receipt too
      const { tools } = await client.listTools();
      const schema = tools.find((t) => t.name === "compare_exports")!.outputSchema!;
      const result = await call(client, "compare_exports", {
        old: "helicone_pricing_data_2026-11-01.csv",
        new: "helicone_pricing_data_2026-11-08_7d.csv",
      });
      ok(!result.isError, text(result));
      const s = result.structuredContent!;
      ok(String(s.warning).startsWith("old covers 30 days, new 7 days:"), text(result));
      const totals = s.totals as Values[];
      const row = (name: string) => {
        const { window, old_total, new_total, delta, change_pct } = totals.find((t) =>
          t.column === name
        )!;
        return [window, old_total, new_total, delta, change_pct];
      };
      // requests 1,000 + 3,000 = 4,000 over 30 days → 400 + 600 = 1,000 over 7 (−3,000, −75 %);
      // LLM cost $10 + $30 = $40 → $2.50 + $7.50 = $10 (−$30, −75 %): window figures, both named
      assertEquals(row("requests_30d"), ["30 days → 7 days", 4000, 1000, -3000, -75]);
      assertEquals(row("llm_cost_30d"), ["30 days → 7 days", 40, 10, -30, -75]);
      // list_price_mrr $120 + $80 = $200 → $120 + $30 = $150 (−$50, −25 %), on a 30-day basis
      assertEquals(row("list_price_mrr"), ["30-day basis", 200, 150, -50, -25]);
      // seats 3 + 2 = 5 → 4 + 2 = 6 (+1, +20 %) and mrr $150 → $120 (−$30, −20 %): no window's
      assertEquals(row("seats"), [null, 5, 6, 1, 20]);
      assertEquals(row("mrr"), [null, 150, 120, -30, -20]);
      // every row has the field, after unit, as the totals CSV's column
      ok(totals.every((t) => "window" in t), JSON.stringify(totals));
      assertEquals(Object.keys(totals[0]).slice(0, 4), ["column", "unit", "window", "old_total"]);
      // the text table has the column too, the window on its rows
      const lines = text(result).split("\n");
      const header = lines[lines.indexOf("totals:") + 1];
      ok(header.startsWith("column | unit | window | old_total |"), header);
      for (
        const line of [
          `"requests_30d" | "count" | "30 days → 7 days" | 4000 | 1000 | -3000 | -75 | 0 | 0`,
          `"list_price_mrr" | "USD per month" | "30-day basis" | 200 | 150 | -50 | -25 | 0 | 0`,
          `"seats" | "count" |  | 5 | 6 | 1 | 20 | 0 | 0`,
        ]
      ) ok(lines.includes(line), text(result));
      // the outputSchema declares it: a string or null, nothing else
      const check = new AjvJsonSchemaValidator().getValidator(
        schema as Parameters<AjvJsonSchemaValidator["getValidator"]>[0],
      );
      assertEquals(check(s).valid, true);
      const wrong = { ...s, totals: [{ ...totals[0], window: 7 }] };
      assertEquals(check(wrong).valid, false);
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports says its totals' delta is like for like, not new_total − old_total", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    // a $100 → $120; b's $50 becomes unknown (Stripe did not answer); c appears at $30
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b"],
        org_name: ["A", "B"],
        tier: ["pro", "pro"],
        stripe_customer_id: ["cus_a", "cus_b"],
        revenue_source: ["stripe", "stripe"],
        mrr: [100, 50],
      }),
      join(dir, "helicone_pricing_data_2026-01-01.csv"),
    );
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b", "c"],
        org_name: ["A", "B", "C"],
        tier: ["pro", "pro", "pro"],
        stripe_customer_id: ["cus_a", "cus_b", "cus_c"],
        revenue_source: ["stripe", "none", "stripe"],
        mrr: [120, null, 30],
      }),
      join(dir, "helicone_pricing_data_2026-02-01.csv"),
    );
    const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
    await client.connect(transport);
    try {
      const result = await call(client, "compare_exports");
      ok(!result.isError, text(result));
      // old 100 + 50 = 150, new 120 + 30 = 150 (b skipped); delta a +20, c +30 = +50 (b left
      // out of both sides): not 150 − 150
      const mrr = (result.structuredContent!.totals as Values[]).find((r) => r.column === "mrr")!;
      assertEquals(
        [mrr.old_total, mrr.new_total, mrr.delta, mrr.unknown_old, mrr.unknown_new],
        [150, 150, 50, 0, 1],
      );
      const lines = text(result).split("\n");
      ok(lines.includes('"mrr" | "USD per month" | 150 | 150 | 50 | 50 | 0 | 1'), text(result));
      // the note follows the totals table, before the tier changes
      assertEquals(lines[lines.indexOf("tier changes:") - 1], `note: ${TOTALS_NOTE}`);
    } finally {
      await client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports of two exports (or snapshots) converted at different FX rates says how much of the MRR change is the rate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    // e pays €90: $99 at EUR 1.10 in November, $108 at 1.20 in December; m pays €50 + $10 ($65,
    // then $70); u pays $50 throughout
    // and e renamed itself Euro AG in December
    const month = (mrr: number[], euro: string) =>
      exportFrameFromColumns({
        org_id: ["e", "m", "u"],
        org_name: [euro, "Mixed SA", "Dollar Inc"],
        tier: ["team", "team", "pro"],
        revenue_source: ["stripe", "stripe", "stripe"],
        mrr,
        mrr_recurring: mrr,
        currency: ["EUR", "EUR,USD", "USD"],
      });
    const months = [
      ["2026-11-01", [99, 65, 50], 1.1, "Euro GmbH"],
      ["2026-12-01", [108, 70, 50], 1.2, "Euro AG"],
    ] as const;
    // a manifest as the export writes it (the dataset reads its window)
    const manifest = (date: string, rate: number) => {
      const asOf = new Date(`${date}T00:00:00Z`);
      const start = new Date(asOf.getTime() - 30 * 86_400_000);
      return JSON.stringify({
        demo: false,
        as_of: asOf.toISOString(),
        window: { days: 30, start: start.toISOString(), end: asOf.toISOString() },
        revenue: { fx_rates: { EUR: rate } },
      });
    };
    for (const [date, mrr, rate, euro] of months) {
      await writeCsvFile(month([...mrr], euro), join(dir, `helicone_pricing_data_${date}.csv`));
      await Deno.writeTextFile(
        join(dir, `helicone_pricing_data_${date}.manifest.json`),
        manifest(date, rate),
      );
      await writeSnapshot(month([...mrr], euro), {
        dir: join(dir, "history"),
        asOf: new Date(`${date}T00:00:00Z`),
        demo: false,
        origin: "export",
        fxRates: { EUR: rate },
      });
    }
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      // e: $108 × (1 − 1.10 ÷ 1.20) = $9.00 of its +$9 is the rate; m counted, not valued
      const expected = {
        warning:
          "FX rates differ (USD per unit, PRICING_FX_RATES as each export ran): EUR 1.1 → 1.2; 1 organization billed in EUR moves in USD with the rate at the same price: +$9.00 of the mrr_recurring change is the rate (their new recurring MRR at the new rate less at the old one; the history report books it as fx_impact); 1 organization billed in EUR moves with it too, beside another currency (not valued: one rate cannot value the mix)",
        rates: [{ currency: "EUR", old_rate: 1.1, new_rate: 1.2 }],
        mrr_recurring_from_rates: 9,
        organizations_valued: 1,
        organizations_mixed: 1,
      };
      for (const names of [{}, { old: "2026-11-01", new: "2026-12-01" }]) {
        const result = await call(client, "compare_exports", names);
        ok(!result.isError, text(result));
        assertEquals(result.structuredContent!.fx_change, expected);
        ok(text(result).split("\n").includes(`warning: ${expected.warning}`), text(result));
        // the renamed organization: counted, its old name beside its new one among the movers
        assertEquals((result.structuredContent!.counts as Values).renamed, 1);
        const movers = result.structuredContent!.mrr_movers as Values[];
        assertEquals(movers.map((row) => [row.org_id, row.org_name, row.org_name_old]), [
          ["e", "Euro AG", "Euro GmbH"],
          ["m", "Mixed SA", null],
          ["u", "Dollar Inc", null],
        ]);
      }
    } finally {
      await close();
    }
    // the same rate in both: no fx_change, no warning
    await Deno.writeTextFile(
      join(dir, "helicone_pricing_data_2026-12-01.manifest.json"),
      manifest("2026-12-01", 1.1),
    );
    const same = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(same.client, "compare_exports");
      ok(!result.isError, text(result));
      assertEquals(result.structuredContent!.fx_change, undefined);
      ok(!text(result).includes("FX rates differ"), text(result));
    } finally {
      await same.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare_exports: a snapshot holding an organization on several rows is refused in one line, before any join", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_compare_test_" });
  try {
    // October's snapshot appended to by another tool: `a` on three rows (a join on org_id made
    // n×n rows of n repeats in each file, and summed them into the totals silently)
    const store = (ids: string[], date: string) =>
      writeSnapshot(
        exportFrameFromColumns({
          org_id: ids,
          tier: ids.map(() => "pro"),
          revenue_source: ids.map(() => "demo"),
          mrr: ids.map(() => 10),
        }),
        {
          dir: join(dir, "history"),
          asOf: new Date(`${date}T00:00:00Z`),
          demo: true,
          origin: "export",
        },
      );
    await store(["a", "b", "a", "a"], "2026-10-01");
    await store(["a", "b"], "2026-11-01");
    const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
    await client.connect(transport);
    try {
      const result = await call(client, "compare_exports", {
        old: "2026-10-01",
        new: "2026-11-01",
      });
      assertEquals(result.isError, true, text(result));
      assertEquals(
        text(result),
        'error: snapshot 2026-10-01 holds organization "a" on 3 rows, and an export has one row per organization: compare the files the kit wrote (one edited or appended to by another tool repeats rows)',
      );
    } finally {
      await client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
