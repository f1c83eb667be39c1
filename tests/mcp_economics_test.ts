/**
 * describe_dataset's economics, driven by the MCP SDK's own Client over stdio: the cost model of
 * the export being served (its manifest's cost_model block, not the server's settings), both
 * margin bases with their definitions, and the per-plan unit-economics table, checked against
 * the export frame summed by hand; its PTB timing warnings, an older export's too. With Stripe
 * skipped, the counts over MRR are unknown alike in the brief, the workbook and describe_dataset.
 * (The price book it follows: mcp_economics_price_book_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { basename, join } from "node:path";
import { demoExport } from "./demo_export_fixture.ts";
import { call, close, connectInMemory, stdioClient, text, type Values } from "./mcp_client.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { perPlanByHand } from "./mcp_economics.ts";
import ExcelJS from "exceljs";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { planHeader } from "../lib/economics/xlsx_summary.ts";
import { summaryPlanTable } from "./summary_plan_table.ts";
import { testPriceBook } from "./price_book_fixture.ts";

Deno.test("describe_dataset: the served export's cost model, both margins, per-plan table by hand", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_economics_" });
  const exportsDir = join(dir, "exports");
  await Deno.mkdir(exportsDir);
  const book = await testPriceBook(dir);
  const written = await demoExport(exportsDir, {
    env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "0.05", PRICING_PRICE_BOOK: book.path },
  });
  const frame = written.data.frame;
  // The server's own setting differs: the served export's manifest must win.
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: exportsDir,
    PRICING_INFRA_USD_PER_1K_REQUESTS: "0.9",
    PRICING_PRICE_BOOK: book.path,
  });
  await client.connect(transport);
  try {
    const result = await call(client, "describe_dataset");
    assertEquals(result.isError, undefined, text(result));
    const s = result.structuredContent!;
    const model = s.cost_model as Values;
    assertEquals(model.from, "manifest");
    assertEquals(model.infra_usd_per_1k_requests, 0.05);
    assertEquals(model.infra_usd_per_gb_stored, null);
    assertEquals(model.price_book, basename(book.path));
    ok(
      (model.definition as string[]).some((line) => line.includes("$0.05 per 1,000 requests")),
      String(model.definition),
    );
    ok(text(result).includes("infra_usd_per_1k_requests 0.05"), "the text names the figure");
    // the unset storage cost says so, not a blank after its name
    ok(
      text(result).includes("infra_usd_per_1k_requests 0.05, infra_usd_per_gb_stored not set, "),
      text(result).split("\n").find((line) => line.startsWith("cost model")),
    );
    // (the demo's free plan gets the PTB without a customer warning: "warnings (as literals …):")
    ok(/\nwarnings(: | \(as literals)/.test(text(result)), "the text is whole, not cut at the cap");

    const bases = s.margin_bases as Values[];
    assertEquals(bases.map((b) => b.column), ["gross_margin_pct", "gross_margin_company_pct"]);
    // each basis's formula is its column's definition, said there (and on the text's line)
    assertEquals(Object.keys(bases[1]), ["column", "basis"]);
    const company = (s.columns as Values[]).find((c) => c.name === "gross_margin_company_pct")!;
    ok(String(company.definition).includes("company_cost_30d"), String(company.definition));
    ok(
      text(result).includes(
        `- gross_margin_company_pct (${bases[1].basis}) = ${company.definition}`,
      ),
      "the text's line gives the formula",
    );

    const perPlan = s.per_plan as { columns: Values[]; rows: Values[] };
    for (const name of ["margin_company_pct", "gross_profit_company_usd"]) {
      ok(perPlan.columns.some((c) => c.name === name && c.definition), name);
    }
    const byHand = perPlanByHand(frame);
    const present = book.names.filter((name) => byHand.has(name));
    ok(present.length >= 3, `test-book plans in the frame: ${present}`);
    const others = [...byHand.keys()].filter((p) => p !== "all" && !present.includes(p)).sort();
    assertEquals(perPlan.rows.map((r) => r.plan), [...present, ...others, "all"]);
    for (const row of perPlan.rows) {
      const want = byHand.get(row.plan as string)!;
      const what = `plan ${row.plan}`;
      assertEquals(row.organizations, want.organizations, what);
      assertEquals(row.paying_organizations, want.paying_organizations, what);
      assertEquals(row.negative_margin_company, want.negative_margin_company, what);
      if (want.mrr === null) assertEquals(row.mrr, null, `${what} mrr`);
      else close(row.mrr, want.mrr, `${what} mrr`);
      const keys = [
        "margin_all_pct",
        "margin_company_pct",
        "gross_profit_company_usd",
        "list_price_mrr",
      ] as const;
      for (const key of keys) {
        if (want[key] === null) assertEquals(row[key], null, `${what} ${key}`);
        else close(row[key], want[key]!, `${what} ${key}`);
      }
    }

    // under the table, the brief's note: organizations created inside the window (after
    // 2026-10-02), counted off the frame's created_at
    const start = Date.parse("2026-10-02T00:00:00Z");
    const created = (frame.getColumn("created_at").toArray() as unknown as (Date | null)[])
      .filter((d) => d !== null && d.getTime() > start).length;
    ok(created > 1, `organizations created inside the window: ${created}`);
    const note =
      `Partial month: ${created} organizations were created inside the window (after its start, 2026-10-02): their _30d usage and cost cover only the days since, set against a whole month's mrr, so their margins read higher, and a list price on usage lower, than a whole month of their use would make them.`;
    // and the unbilled metered usage: the demo's three organizations on a 2025-12-10 plan with
    // a counted subscription, usage_charges 0 and requests above the 10,000 included (141,333,
    // 166,443 and 1,065,469 requests at the list bands: $14 + $21 + 51,333 × $0.175 / 1,000 =
    // $43.983275; $35 + 76,443 × $0.175 / 1,000 = $48.377525; $35 + $28 + 550,000 × $0.0875 /
    // 1,000 + 265,469 × $0.04375 / 1,000 = $122.73926875)
    const unbilled = (frame.getColumn("unbilled_usage_usd").toArray() as (number | null)[])
      .filter((usd): usd is number => usd !== null && usd > 0);
    assertEquals(unbilled.length, 3);
    close(unbilled.reduce((a, b) => a + b, 0), 215.10006875, "unbilled_usage_usd summed");
    const unbilledNote =
      `Unbilled metered usage: 3 organizations on "pro 2025-12-10 [test]" and "team 2025-12-10 [test]" sent more requests than their plan includes and were billed no metered usage: $215.10 a month at list price (unbilled_usage_usd). Check their subscriptions (usage_charges is the last closed period's).`;
    // and the metered usage discounts took off, apart: the demo's six organizations on pro
    // 2025-12-10 with a counted subscription and usage_discounts above 0 ($18 + $2.40 + $14.40 +
    // $7.20 + $3.60 + $15.60 = $61.20, listed by a script over the demo frame)
    const discountedNote =
      `Discounted metered usage: 6 organizations on "pro 2025-12-10 [test]" were billed metered usage that discounts took $61.20 a month off (usage_discounts): a concession, not unbilled.`;
    assertEquals((s.per_plan as { notes: string[] }).notes, [note, unbilledNote, discountedNote]);
    ok(text(result).includes(`\n${note}\n`), "the text has it under the table's rows");
    ok(text(result).includes(`\n${unbilledNote}\n`), "and the unbilled usage's");

    const resource = await client.readResource({ uri: "pricing://price-book" });
    assertEquals(
      JSON.parse((resource.contents[0] as { text: string }).text),
      JSON.parse(await Deno.readTextFile(book.path)),
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe_dataset warns, once, of plans pulled down by PTB cost without PTB revenue, an older export's too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_ptb_timing_" });
  const timing = async () => {
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "describe_dataset");
      return (result.structuredContent!.warnings as string[]).filter((w) =>
        w.startsWith('plan "free": company margin ')
      );
    } finally {
      await close();
    }
  };
  try {
    const written = await demoExport(dir);
    // the demo's free plan: organizations without a Stripe customer had PTB cost (not timing)
    const exported = written.data.warnings.filter((w) => w.startsWith('plan "free": '));
    assertEquals(exported.length, 1, written.data.warnings.join("\n"));
    ok(exported[0].includes("without a Stripe customer"), exported[0]);
    assertEquals(await timing(), exported);
    // an export made before the warning existed: its manifest lacks it (and stores bare
    // strings, no warning_kinds), describe_dataset adds it
    const manifestPath = written.manifestPath;
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    manifest.warnings = manifest.warnings.filter((w: string) => !w.startsWith("plan "));
    delete manifest.warning_kinds;
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
    assertEquals(await timing(), exported);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The PTB-timing warning as kits before dcefbab wrote it to a manifest, by hand from git history
 * (`git log -p -S timing -- lib/economics/ptb_timing.ts`): 5513c9a's words (formatPct, "there is
 * no margin: the plan has no MRR") and 2dc6567's (toFixed(1), "the margin is – (no MRR)").
 */
const OLD_TIMING_WORDS =
  "PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB";
const OLD_FREE_TIMING =
  `plan "free": company margin -104.2 % counts PTB cost of 42 organizations with no PTB revenue in the window ($1,302.48 of the plan's $1,302.48 PTB cost, against $0.00 PTB revenue, 30-day basis): ${OLD_TIMING_WORDS}; with PTB left out on both sides the margin is 33.1 %`;
const OLD_NO_MRR_TIMING =
  `plan "team \\"eu\\"": company margin -1250.0 % counts PTB cost of 1 organization with no PTB revenue in the window ($25.00 of the plan's $25.00 PTB cost, against $0.00 PTB revenue, 30-day basis): ${OLD_TIMING_WORDS}; with PTB left out on both sides the margin is – (no MRR)`;
const OLD_NO_MARGIN_TIMING =
  `plan "(no plan)": company margin -5,933.5 % counts PTB cost of 1,204 organizations with no PTB revenue in the window ($12,000.00 of the plan's $12,100.00 PTB cost, against $100.00 PTB revenue, 30-day basis): ${OLD_TIMING_WORDS}; with PTB left out on both sides there is no margin: the plan has no MRR`;

Deno.test("describe_dataset: an export made before the no-customer warning stored PTB timing warnings; they give way to those worked out from its rows, every other warning kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_ptb_old_" });
  const describeWarnings = async () => {
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const result = await call(client, "describe_dataset");
      return result.structuredContent!.warnings as string[];
    } finally {
      await close();
    }
  };
  try {
    const written = await demoExport(dir);
    const manifestPath = written.manifestPath;
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    const stored = manifest.warnings as string[];
    // today's: the free plan's no-customer warning, worked out from the rows as stored
    const ptb = stored.filter((w) => w.startsWith("plan "));
    assertEquals(ptb.length, 1, stored.join("\n"));
    ok(ptb[0].includes("without a Stripe customer"), ptb[0]);
    const others = stored.filter((w) => !w.startsWith("plan "));
    ok(others.length > 0, "the demo export stores other warnings too");
    const today = await describeWarnings();
    // the old export, a manifest of bare strings (no warning_kinds: its PTB warnings are known
    // by their words): the old wording where today's stood, and a warning like it but not one
    delete manifest.warning_kinds;
    const lookalike = 'plan "free": company margin -104.2 % (a note kept by hand, not the kit\'s)';
    const at = stored.indexOf(ptb[0]);
    manifest.warnings = [
      ...stored.slice(0, at),
      OLD_FREE_TIMING,
      lookalike,
      OLD_NO_MRR_TIMING,
      ...stored.slice(at + 1),
      OLD_NO_MARGIN_TIMING,
    ];
    await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
    const old = await describeWarnings();
    // today's list, the lookalike after the no-customer warning (its place in the manifest)
    const after = today.indexOf(ptb[0]) + 1;
    ok(after > 0, today.join("\n"));
    assertEquals(old, [...today.slice(0, after), lookalike, ...today.slice(after)]);
    for (const w of others) ok(old.includes(w), w);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Stripe skipped: counts over MRR unknown alike in the brief (–), the summary sheet (empty) and describe_dataset (null)", async () => {
  const databases = await freshFixtureDatabases("no_mrr");
  const exportsDir = await Deno.makeTempDir({ prefix: "mcp_no_mrr_" });
  try {
    const written = await quietLiveExport({
      outDir: exportsDir,
      env: databases.env,
      asOf: new Date("2026-11-01T00:00:00Z"),
      formats: ["csv", "xlsx"],
      history: false,
    });
    const frame = written.data.frame;
    assertEquals(frame.getColumn("mrr").nullCount(), frame.height, "every mrr empty");
    const stem = join(exportsDir, "helicone_pricing_data_2026-11-01");
    // the brief: headline and the all row's counts "–", not 0
    const brief = (await Deno.readTextFile(`${stem}.md`)).split("\n");
    ok(brief.some((l) => l.startsWith("| Paying organizations | – | not known: ")));
    ok(brief.includes("| organizations with MRR > 0, of those with known MRR | – |"));
    const header = brief.find((l) => l.startsWith("| plan | `organizations`"))!.split(" | ");
    const all = brief.find((l) => l.startsWith("| all |"))!.split(" | ");
    const counts = ["paying_organizations", "negative_margin_all", "negative_margin_company"];
    assertEquals(counts.map((c) => all[header.indexOf(`\`${c}\``)]), ["–", "–", "–"]);
    assertEquals(all[header.indexOf("`organizations`")], frame.height.toLocaleString("en-US"));
    // the workbook's summary sheet: the same cells empty (an empty cell is unknown)
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(`${stem}.xlsx`);
    const rows = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
    const find = (label: string) => rows.find((r) => r?.[1] === label)!;
    assertEquals(find("Paying organizations")[2], undefined);
    const table = summaryPlanTable(rows);
    assertEquals(counts.map((c) => table.cell("all", planHeader(c))), [
      undefined,
      undefined,
      undefined,
    ]);
    assertEquals(table.cell("all", planHeader("organizations")), frame.height);
    // describe_dataset: null in every plan's row, as the hand model says
    const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: exportsDir });
    await client.connect(transport);
    try {
      const result = await call(client, "describe_dataset");
      assertEquals(result.isError, undefined, text(result));
      const rows = (result.structuredContent!.per_plan as { rows: Values[] }).rows;
      const byHand = perPlanByHand(frame);
      ok(rows.length >= 2, `plans: ${rows.map((r) => r.plan)}`);
      for (const row of rows) {
        const want = byHand.get(row.plan as string)!;
        assertEquals(
          [row.paying_organizations, row.negative_margin_all, row.negative_margin_company, row.mrr],
          [null, null, null, null],
          `plan ${row.plan}`,
        );
        assertEquals(
          [want.paying_organizations, want.negative_margin_company],
          [null, null],
          `plan ${row.plan} by hand`,
        );
        assertEquals(row.organizations, want.organizations, `plan ${row.plan}`);
      }
    } finally {
      await client.close();
    }
  } finally {
    await Deno.remove(exportsDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("describe_dataset: a shared customer's organizations in the per-plan table as the export's", async () => {
  const { writeCsvFile } = await import("../lib/formats/csv.ts");
  const { frameWithSharedCustomer } = await import("./economics_fixture.ts");
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  // g, on b's Stripe customer, is on a team plan: it counts with b in pro (seat, legacy)
  const frame = await frameWithSharedCustomer({ tier: "team", tierRaw: "team" });
  const dir = await Deno.makeTempDir({ prefix: "mcp_economics_shared_" });
  await writeCsvFile(frame, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close: disconnect } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "describe_dataset");
    assertEquals(result.isError, undefined, text(result));
    const rows = (result.structuredContent!.per_plan as { rows: Values[] }).rows;
    const pro = rows.find((r) => r.plan === "pro (seat, legacy)")!;
    // b + f + g: $240 over 3 + 2 + 1 seats; spec margin (240 − (12 + 40 + 8)) / 240
    assertEquals([pro.organizations, pro.seats, pro.mrr], [3, 6, 240]);
    close(pro.mrr_per_seat, 40, "mrr per seat");
    close(pro.margin_all_pct, 75, "spec margin");
    // the same table the export's frame gives, and the hand model's counts and margins
    const table = perPlanRows(perPlanTable(frame, { windowDays: 30 }));
    const byHand = perPlanByHand(frame);
    for (const row of rows) {
      const same = table.find((r) => r.plan === row.plan)!;
      for (const [name, value] of Object.entries(same)) {
        if (typeof value === "number" && value !== 0) {
          close(row[name], value, `${row.plan} ${name}`);
        } else assertEquals(row[name], value, `${row.plan} ${name}`);
      }
      const want = byHand.get(row.plan as string)!;
      assertEquals(
        [row.organizations, row.mrr, row.list_price_mrr],
        [want.organizations, want.mrr, want.list_price_mrr],
        `plan ${row.plan}`,
      );
      const names = ["margin_all_pct", "margin_company_pct", "gross_profit_company_usd"] as const;
      for (const name of names) {
        if (want[name] === null) assertEquals(row[name], null, `${row.plan} ${name} by hand`);
        else close(row[name], want[name], `${row.plan} ${name} by hand`);
      }
    }
  } finally {
    await disconnect();
    await Deno.remove(dir, { recursive: true });
  }
});
