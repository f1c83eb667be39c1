/**
 * lib/mcp driven by the MCP SDK's own Client over stdio (`deno run lib/mcp/main.ts`, as Claude
 * Desktop starts it; HTTP: mcp_http_test.ts, no export: mcp_demo_test.ts, the SQL gate:
 * statement_gate_test.ts). The dataset is a demo export written into a temp folder; every value a tool returns is checked against that
 * export's frame, computed here with plain loops (or, for "same table as the notebook", with the
 * notebook's own lib/analysis/questions.ts function).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { dictionaryMarkdown } from "../lib/report/dictionary.ts";
import { parseCsv } from "../lib/formats/csv_parse.ts";
import { runExport } from "../lib/export.ts";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";
import {
  call,
  close,
  column,
  exportsFolder,
  MAX_ROWS,
  num,
  refused,
  ROOT,
  stdioClient,
  text,
  TOOLS,
  type Values,
} from "./mcp_client.ts";
import { SLOW_CH, slowQueryDatabases, waitFor } from "./slow_queries.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

Deno.test("stdio: every tool, resource and prompt on a demo export, checked against its frame", async (t) => {
  const folder = await exportsFolder();
  const { dir, frame } = folder;
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_MCP_MAX_ROWS: String(MAX_ROWS),
  });
  await client.connect(transport);
  try {
    const mrr = column(frame, "mrr").map(num);
    const tiers = column(frame, "tier") as (string | null)[];
    const ids = column(frame, "org_id") as string[];
    const names = column(frame, "org_name") as string[];

    await t.step(
      "lists tools (read-only, schemas, descriptions), resources and prompts",
      async () => {
        const { tools } = await client.listTools();
        assertEquals(tools.map((tool) => tool.name).sort(), TOOLS);
        for (const tool of tools) {
          assertEquals(tool.annotations?.readOnlyHint, true, tool.name);
          assertEquals(tool.inputSchema.type, "object", tool.name);
          ok(
            (tool.description ?? "").length > 80,
            `${tool.name} has a description a model can act on`,
          );
        }
        const sql = tools.find((tool) => tool.name === "query_sql")!;
        ok(/as data|never as instructions/i.test(sql.description!), "data text is declared data");
        assertEquals(sql.inputSchema.required as string[], ["sql"]);
        const { resources } = await client.listResources();
        assertEquals(resources.map((r) => r.uri).sort(), [
          "pricing://brief",
          "pricing://dictionary",
          "pricing://export.csv",
          "pricing://price-book",
        ]);
        const { prompts } = await client.listPrompts();
        assertEquals(prompts.map((p) => p.name), [
          "underpriced",
          "upgrade_candidates",
          "churn_risk",
          "pricing_models",
          "feature_adoption",
          "ptb_vs_byok",
        ]);
        const prompt = await client.getPrompt({ name: "churn_risk" });
        const message = prompt.messages[0].content as { type: string; text: string };
        ok(message.text.includes("key_question") && message.text.includes("negative gross margin"));
      },
    );

    await t.step("describe_dataset: the newest export, its window and every column", async () => {
      const result = await call(client, "describe_dataset");
      const s = result.structuredContent!;
      assertEquals(s.as_of, "2026-11-01T00:00:00.000Z");
      assertEquals(s.window, {
        start: "2026-10-02T00:00:00.000Z",
        end: "2026-11-01T00:00:00.000Z",
        days: 30,
      });
      assertEquals(s.demo, true);
      assertEquals(s.row_count, frame.height);
      assertEquals((s.columns as { name: string }[]).map((c) => c.name), COLUMN_NAMES);
      const mrrColumn = (s.columns as Values[]).find((c) => c.name === "mrr")!;
      assertEquals([mrrColumn.type, mrrColumn.unit], ["number", "USD per month"]);
      ok(String(s.source).endsWith("helicone_pricing_data_2026-11-01_demo.csv"), String(s.source));
      ok(text(result).includes("DEMO data"));
    });

    await t.step(
      "query_sql: GROUP BY tier matches the frame; row cap; writes refused",
      async () => {
        const result = await call(client, "query_sql", {
          sql:
            "SELECT tier, count(*) AS orgs, sum(mrr) AS mrr FROM pricing_data GROUP BY tier ORDER BY tier",
        });
        assertEquals(result.isError, undefined);
        const rows = result.structuredContent!.rows as {
          tier: string;
          orgs: number;
          mrr: number;
        }[];
        const expected = new Map<string, { orgs: number; mrr: number }>();
        tiers.forEach((tier, i) => {
          const entry = expected.get(tier!) ?? { orgs: 0, mrr: 0 };
          entry.orgs++;
          entry.mrr += mrr[i] ?? 0;
          expected.set(tier!, entry);
        });
        assertEquals(rows.map((r) => r.tier), [...expected.keys()].sort());
        for (const row of rows) {
          assertEquals(row.orgs, expected.get(row.tier)!.orgs);
          close(row.mrr, expected.get(row.tier)!.mrr, `mrr of ${row.tier}`);
        }
        ok(text(result).split("\n")[0] === "tier | orgs | mrr");
        ok(text(result).includes('"enterprise"'), "text values are quoted literals");

        const all = await call(client, "query_sql", { sql: "SELECT org_id FROM pricing_data" });
        assertEquals(all.structuredContent!.row_count, MAX_ROWS);
        assertEquals(all.structuredContent!.truncated, true);

        refused(
          await call(client, "query_sql", { sql: "DELETE FROM pricing_data" }),
          /only SELECT/,
        );
        refused(
          await call(client, "query_sql", { sql: "SELECT 1 AS a; DROP TABLE pricing_data" }),
          /only one statement/,
        );
        refused(
          await call(client, "query_sql", { sql: "SELECT * FROM read_csv('/etc/passwd')" }),
          /read_csv\(\) is refused/,
        );
        refused(
          await call(client, "query_sql", { sql: "SELECT no_such_column FROM pricing_data" }),
          /Polars SQL/,
        );
        const count = await call(client, "query_sql", {
          sql: "SELECT count(*) AS n FROM pricing_data",
        });
        assertEquals((count.structuredContent!.rows as Values[])[0].n, frame.height);
        // without an alias the count is named count (Polars' own name for it is len)
        const unnamed = await call(client, "query_sql", {
          sql: "SELECT count(*), count(mrr) FROM pricing_data",
        });
        assertEquals(unnamed.structuredContent!.columns, ["count", "count(mrr)"]);
        assertEquals(unnamed.structuredContent!.rows, [{
          count: frame.height,
          "count(mrr)": mrr.filter((m) => m !== null).length,
        }]);
        // (a name other than a plain word is quoted in the text table)
        ok(text(unnamed).startsWith('count | "count(mrr)"\n'), text(unnamed));
      },
    );

    await t.step("organization: its row, tier medians and percentiles", async () => {
      // The highest-MRR organization: percentile 100 in mrr.
      let top = 0;
      mrr.forEach((m, i) => (m !== null && m > (mrr[top] ?? -1) ? (top = i) : 0));
      const result = await call(client, "organization", { org: ids[top] });
      const s = result.structuredContent!;
      const row = s.row as Values;
      assertEquals(row.org_id, ids[top]);
      assertEquals(row.org_name, names[top]);
      close(row.mrr, mrr[top]!, "mrr");
      close((s.percentiles as Values).mrr, 100, "mrr percentile");
      const peers = mrr.filter((m, i) => tiers[i] === tiers[top] && m !== null).map(Number)
        .sort((a, b) => a - b);
      const mid = Math.floor(peers.length / 2);
      const median = peers.length % 2 ? peers[mid] : (peers[mid - 1] + peers[mid]) / 2;
      close((s.tier_medians as Values).mrr, median, "tier median mrr");
      assertEquals((s.peers as Values).tier, tiers.filter((tier) => tier === tiers[top]).length);
      const requests = column(frame, "requests_30d").map(num);
      const own = requests[top]!;
      const known = requests.filter((r) => r !== null) as number[];
      close(
        (s.percentiles as Values).requests_30d,
        known.filter((r) => r <= own).length / known.length * 100,
        "requests percentile",
      );
      // By name, case-insensitive.
      const byName = await call(client, "organization", { org: names[top].toUpperCase() });
      assertEquals((byName.structuredContent!.row as Values).org_id, ids[top]);
      refused(
        await call(client, "organization", { org: "no such organization zzz" }),
        /no organization/,
      );
    });

    await t.step(
      "key_question: the notebook's six tables, underpriced counted by hand",
      async () => {
        const notebook: Record<
          string,
          (f: pl.DataFrame) => { table: pl.DataFrame; reading: string }
        > = {
          underpriced: (f) => underpricedCustomers(f),
          upgrade_candidates: (f) => upgradeCandidates(f),
          churn_risk: (f) => churnRisk(f),
          pricing_models: (f) => pricingModelComparison(f),
          feature_adoption: (f) => featureAdoption(f),
          ptb_vs_byok: (f) => ptbVsByok(f),
        };
        for (const [question, answer] of Object.entries(notebook)) {
          const result = await call(client, "key_question", { question });
          assertEquals(result.isError, undefined, text(result));
          const expected = answer(frame);
          const table = result.structuredContent!.table as Values[];
          assertEquals(table.length, expected.table.height, question);
          assertEquals(Object.keys(table[0] ?? {}), expected.table.columns, question);
          for (const name of expected.table.columns) {
            const values = column(expected.table, name);
            table.forEach((row, i) => {
              const want = values[i];
              if (typeof want === "number") close(row[name], want, `${question} ${name}[${i}]`);
              else assertEquals(row[name], want ?? null, `${question} ${name}[${i}]`);
            });
          }
          assertEquals(result.structuredContent!.reading, expected.reading);
        }
        const requests = column(frame, "requests_30d").map(num);
        const cost = column(frame, "llm_cost_30d").map(num);
        const underpriced = mrr.filter((m, i) =>
          ((requests[i] ?? 0) >= 100_000 || (cost[i] ?? 0) >= 500) && m !== null && m <= 100
        ).length;
        const result = await call(client, "key_question", { question: "underpriced" });
        assertEquals((result.structuredContent!.facts as Values).organizations, underpriced);
      },
    );

    await t.step("segment: gateway_only and negative_margin counted by hand", async () => {
      const gateway = column(frame, "has_gateway_only").filter((v) =>
        v === true
      ).length;
      const result = await call(client, "segment", { name: "gateway_only", limit: 5 });
      assertEquals((result.structuredContent!.totals as Values).organizations, gateway);
      assertEquals((result.structuredContent!.rows as Values[]).length, Math.min(5, gateway));
      const cost = column(frame, "llm_cost_30d").map(num);
      const negative = mrr.filter((m, i) => m !== null && m > 0 && (cost[i] ?? 0) > m).length;
      const neg = await call(client, "segment", { name: "negative_margin" });
      assertEquals((neg.structuredContent!.totals as Values).organizations, negative);
    });

    await t.step(
      "run_scenario: flat price breakeven = current MRR / paying set; preset by plan",
      async () => {
        const current = (mrr.filter((m) => m !== null) as number[]).reduce((a, b) => a + b, 0);
        // priced: known MRR, less those paying $0 because no subscription of theirs counts
        // (MRR 0, a status, no counted subscription: empty cancel_at_period_end), kept at $0,
        // but for free-tier ones whose subscriptions all ended: free, priced as free
        const status = frame.getColumn("subscription_status").toArray() as (string | null)[];
        const cancel = frame.getColumn("cancel_at_period_end").toArray() as (boolean | null)[];
        const tier = frame.getColumn("tier").toArray() as (string | null)[];
        const ended = (i: number) =>
          tier[i] === "free" &&
          status[i]!.split(",").every((s) => s === "canceled" || s === "incomplete_expired");
        const notCounted = (i: number) =>
          mrr[i] === 0 && !!status[i] && cancel[i] === null && !ended(i);
        ok(mrr.some((_, i) => notCounted(i)), "the demo has trials and canceled subscriptions");
        const known = mrr.filter((m, i) => m !== null && !notCounted(i)) as number[];
        const result = await call(client, "run_scenario", {
          scenario: {
            name: "flat_10",
            description: "everyone pays $10",
            addonPrices: {},
            plans: [{ name: "everyone", flatUsd: 10, addonsIncluded: true }],
            breakeven: "plans[0].flatUsd",
          },
        });
        assertEquals(result.isError, undefined, text(result));
        const s = result.structuredContent!;
        const totals = s.totals as Values;
        close(totals.currentMrrUsd, current, "current MRR");
        close(totals.proposedMrrUsd, 10 * known.length, "proposed MRR");
        close((s.breakeven as Values).value, current / known.length, "breakeven flat price");
        const plans = s.by_plan as Values[];
        assertEquals(plans.map((p) => [p.plan, p.organizations]), [["everyone", frame.height]]);
        // Biggest movers: the largest increase is the organization paying least below $10.
        const up = s.pays_more as Values[];
        const least = Math.min(...known);
        close(up[0].delta_usd, 10 - least, "biggest increase");

        const preset = await call(client, "run_scenario", { preset: "current_seat_based" });
        const presetPlans = preset.structuredContent!.by_plan as Values[];
        const book = JSON.parse(
          await Deno.readTextFile(join(ROOT, "scenarios/current_seat_based.json")),
        ) as { plans: { name: string }[] };
        const listed = presetPlans.map((p) => p.plan);
        assertEquals(listed, book.plans.map((p) => p.name).filter((n) => listed.includes(n)));
        assertEquals(
          presetPlans.reduce((a, p) => a + (p.organizations as number), 0),
          frame.height,
        );
        close(
          presetPlans.reduce((a, p) => a + (p.current_mrr as number), 0),
          current,
          "current MRR over the plans",
        );
        refused(
          await call(client, "run_scenario", { scenario: { name: "x", plans: "none" } }),
          /scenario/,
        );
      },
    );

    await t.step("compare_exports: the two exports' counts and MRR totals", async () => {
      const result = await call(client, "compare_exports");
      assertEquals(result.isError, undefined, text(result));
      const s = result.structuredContent!;
      assertEquals(s.old, "helicone_pricing_data_2026-10-01_demo.csv");
      assertEquals(s.new, "helicone_pricing_data_2026-11-01_demo.csv");
      const counts = s.counts as Values;
      assertEquals(counts.organizationsNew, frame.height);
      assertEquals(counts.organizationsOld, folder.old.data.frame.height);
      const mrrRow = (s.totals as Values[]).find((r) => r.column === "mrr")!;
      const sum = (f: pl.DataFrame) =>
        column(f, "mrr").reduce((a: number, v) => a + (num(v) ?? 0), 0);
      close(mrrRow.old_total, sum(folder.old.data.frame), "old MRR total");
      close(mrrRow.new_total, sum(frame), "new MRR total");
      refused(
        await call(client, "compare_exports", { old: "../../etc/passwd" }),
        /no export named/,
      );
    });

    await t.step("chart: a PNG of the filtered organizations", async () => {
      const pro = tiers.filter((tier) => tier === "pro").length;
      const result = await call(client, "chart", { name: "usage_by_tier", tiers: ["pro"] });
      assertEquals(result.isError, undefined, text(result));
      const image = result.content.find((c) => c.type === "image")!;
      assertEquals(image.mimeType, "image/png");
      const bytes = Uint8Array.from(atob(image.data!), (c) => c.charCodeAt(0));
      assertEquals([...bytes.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assertEquals(result.structuredContent!.organizations, pro);
      const question = await call(client, "chart", { name: "churn_risk" });
      ok(question.content.some((c) => c.type === "image"));
    });

    await t.step("resources: brief, dictionary, price book and CSV are the files", async () => {
      const read = async (uri: string) =>
        ((await client.readResource({ uri })).contents[0] as { text: string }).text;
      assertEquals(
        await read("pricing://brief"),
        await Deno.readTextFile(folder.current.briefPath),
      );
      assertEquals(await read("pricing://dictionary"), dictionaryMarkdown() + "\n");
      assertEquals(
        JSON.parse(await read("pricing://price-book")),
        JSON.parse(await Deno.readTextFile(join(ROOT, "scenarios/current_seat_based.json"))),
      );
      // the demo CSV (~115 KB) is past PRICING_MCP_MAX_BYTES: its start, whole rows, and a note
      // (tests/mcp_csv_resource_test.ts checks the cut)
      // (text cells escaped: each field read back as the JSON string it is the inside of)
      const csv = await read("pricing://export.csv");
      const rows = parseCsv(csv).map((row) => row.map((field) => JSON.parse(`"${field}"`)));
      const file = parseCsv(await Deno.readTextFile(folder.current.csvPath!));
      ok(rows.length > 1 && rows.length < file.length && csv.endsWith("\r\n"), csv.slice(-80));
      assertEquals(rows, file.slice(0, rows.length));
    });

    await t.step("a newer export landing is picked up without a restart", async () => {
      const newer = await runExport({
        outDir: dir,
        demo: true,
        asOf: new Date("2026-11-15T00:00:00Z"),
        formats: ["csv"],
        charts: false,
        quiet: true,
        log: () => {},
        env: {},
      });
      const result = await call(client, "describe_dataset");
      assertEquals(result.structuredContent!.as_of, "2026-11-15T00:00:00.000Z");
      assertEquals(result.structuredContent!.row_count, newer.data.frame.height);
    });
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario: organizations sharing a Stripe customer are compared as one, as deno task scenario", async () => {
  const { writeCsvFile } = await import("../lib/formats/csv.ts");
  const { exportFrameFromColumns } = await import("../lib/formats/read_export.ts");
  const { DatasetStore } = await import("../lib/mcp/dataset.ts");
  const { mcpSettings } = await import("../lib/mcp/settings.ts");
  const { connectInMemory } = await import("./mcp_client.ts");
  // a1 team carries cus_1's $100; a2 pro 3 seats shares cus_1; b1 pro 2 seats pays $30 alone.
  // At $10 a seat and team $100 flat: cus_1 100 → 100 + 30 = 130, in a1's plan; b1 30 → 20
  const dir = await Deno.makeTempDir({ prefix: "mcp_shared_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a1", "a2", "b1"],
      org_name: ["A1", "A2", "B1"],
      tier: ["team", "pro", "pro"],
      tier_raw: ["team", "pro", "pro"],
      stripe_customer_id: ["cus_1", "cus_1", "cus_2"],
      seats: [5, 3, 2],
      mrr: [100, null, 30],
      revenue_source: ["stripe", "shared_customer", "stripe"],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close: disconnect } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "run_scenario", {
      scenario: {
        name: "seat",
        plans: [
          { name: "team", match: { tiers: ["team"] }, flatUsd: 100 },
          { name: "seat", perSeatUsd: 10 },
        ],
        breakeven: "plans[1].perSeatUsd",
      },
    });
    assertEquals(result.isError, undefined, text(result));
    const s = result.structuredContent!;
    const totals = s.totals as Values;
    assertEquals([totals.currentMrrUsd, totals.proposedMrrUsd, totals.unknownCurrent], [
      130,
      150,
      0,
    ]);
    assertEquals(
      (s.by_plan as Values[]).map((p) => [p.plan, p.organizations, p.current_mrr, p.proposed_mrr]),
      [["team", 2, 100, 130], ["seat", 1, 30, 20]],
    );
    assertEquals(
      (s.pays_more as Values[]).map((
        r,
      ) => [r.org_id, r.current_mrr, r.proposed_mrr, r.customer_organizations]),
      [["a1", 100, 130, 2]],
    );
    // a1's $100 + a2's 3p + b1's 2p = current 130 → p = 6
    close((s.breakeven as Values).value, 6, "breakeven seat price");
  } finally {
    await disconnect();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task mcp: SIGTERM during run_export stops the export (queries on both servers, no file) and ends the server", async () => {
  const databases = await slowQueryDatabases("mcp_run_export_stop", { usage: SLOW_CH });
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_run_export_stop_" });
  const { transport, client } = stdioClient({
    ...databases.env,
    PRICING_MCP_ALLOW_EXPORT: "1",
    PRICING_MCP_EXPORTS_DIR: exportsDir,
  });
  try {
    await client.connect(transport);
    let ended = false;
    client.onclose = () => ended = true;
    const answer = call(client, "run_export", { days: 30 }).catch(() => null);
    await waitFor(
      "both slow queries to run",
      async () => await databases.pgRunning() === 1 && await databases.chRunning() === 1,
    );
    Deno.kill(transport.pid!, "SIGTERM");
    await waitFor("the server to end", () => ended, HANG_GUARD_MS); // (its queries: 300 s)
    await answer;
    await databases.stoppedOnBothServers();
    // no export file, no staging folder, no history folder (a stopped run leaves nothing)
    assertEquals([...Deno.readDirSync(exportsDir)].map((entry) => entry.name), []);
  } finally {
    await client.close().catch(() => {});
    await databases.close();
    await Deno.remove(exportsDir, { recursive: true });
  }
});
