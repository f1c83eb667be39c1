/**
 * describe_dataset's per-plan table over plans named as its own labels, through the MCP server
 * over stdio (the SDK's Client), as exports made before price books refused the names hold them: a
 * plan named `(none)` (refused since 5cee9400; it reads `(none) plan`, lib/core/no_plan.ts), and
 * one named `all` (refused since 157db189), beside the table's row of every organization, `all`.
 * The demo export as of
 * 2026-11-01 with two organizations of each, each its Stripe customer's only organization; the
 * figures summed from the CSV by Polars SQL over pl.readCSV, not the kit's reader.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { call, close, stdioClient, text, type Values } from "./mcp_client.ts";
import { demoExport } from "./demo_export_fixture.ts";

/** Sums of `sql` over the CSV, read by Polars alone (text columns as text). */
function independent(csv: string, sql: string): Values[] {
  const frame = pl.readCSV(Deno.readTextFileSync(csv), { inferSchemaLength: 0 })
    .withColumns(
      pl.col("mrr").cast(pl.Float64),
      pl.col("list_price_mrr").cast(pl.Float64),
    );
  const context = pl.SQLContext({ pricing: frame });
  return context.execute(sql, { eager: true }).toRecords() as Values[];
}

/**
 * The demo export with two paying organizations' plan set to `name` in its CSV, each the only
 * organization of its Stripe customer and with a list price; describe_dataset's per-plan rows
 * and the CSV's path.
 */
async function perPlanWithPlanNamed(name: string) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_plan_labels_" });
  try {
    const written = await demoExport(dir);
    const csv = written.csvPath!;
    const frame = written.data.frame;
    const ids = frame.getColumn("stripe_customer_id").toArray() as (string | null)[];
    const once = (id: string | null) => id !== null && ids.indexOf(id) === ids.lastIndexOf(id);
    const mrr = frame.getColumn("mrr").toArray() as (number | null)[];
    const list = frame.getColumn("list_price_mrr").toArray() as (number | null)[];
    const chosen = ids.map((_, i) => i)
      .filter((i) => once(ids[i]) && (mrr[i] ?? 0) > 0 && list[i] !== null).slice(0, 2);
    assertEquals(chosen.length, 2, "two paying organizations, each its customer's only one");
    const plans = (frame.getColumn("plan").toArray() as (string | null)[])
      .map((plan, i) => chosen.includes(i) ? name : plan);
    await writeCsvFile(frame.withColumns(pl.Series("plan", plans, pl.Utf8)), csv);
    const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
    await client.connect(transport);
    try {
      const result = await call(client, "describe_dataset");
      assertEquals(result.isError, undefined, text(result));
      const perPlan = result.structuredContent!.per_plan as { rows: Values[] };
      const copy = join(await Deno.makeTempDir({ prefix: "mcp_plan_labels_csv_" }), "x.csv");
      await Deno.copyFile(csv, copy);
      return { rows: perPlan.rows, csv: copy, text: text(result) };
    } finally {
      await client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("describe_dataset: a plan named (none) reads (none) plan with its own organizations' list price", async () => {
  const { rows, csv } = await perPlanWithPlanNamed("(none)");
  try {
    const [sums] = independent(
      csv,
      "SELECT count(*) AS organizations, sum(mrr) AS mrr, sum(list_price_mrr) AS list_price_mrr FROM pricing WHERE plan = '(none)'",
    );
    const row = rows.find((r) => r.plan === "(none) plan")!;
    ok(row, JSON.stringify(rows.map((r) => r.plan)));
    assertEquals(row.organizations, 2);
    close(row.mrr, sums.mrr as number, "mrr");
    // its organizations have list prices: not read as a contract plan's (empty)
    close(row.list_price_mrr, sums.list_price_mrr as number, "list_price_mrr");
  } finally {
    await Deno.remove(csv.replace(/\/x\.csv$/, ""), { recursive: true });
  }
});

Deno.test("describe_dataset: a plan named all (an export from before the name was refused) reads all plan, one all row left, every organization's", async () => {
  const { rows, csv, text: body } = await perPlanWithPlanNamed("all");
  try {
    const [plan] = independent(
      csv,
      "SELECT count(*) AS organizations, sum(mrr) AS mrr, sum(list_price_mrr) AS list_price_mrr FROM pricing WHERE plan = 'all'",
    );
    const [every] = independent(csv, "SELECT count(*) AS organizations FROM pricing");
    // one row named all, the last: every organization's
    assertEquals(rows.filter((r) => r.plan === "all").length, 1);
    assertEquals([rows.at(-1)!.plan, rows.at(-1)!.organizations], ["all", every.organizations]);
    const own = rows.find((r) => r.plan === "all plan")!;
    ok(own, JSON.stringify(rows.map((r) => r.plan)));
    assertEquals(own.organizations, 2);
    close(own.mrr, plan.mrr as number, "mrr");
    close(own.list_price_mrr, plan.list_price_mrr as number, "list_price_mrr");
    // the text's table too: one row starting "all"
    assertEquals(body.split("\n").filter((line) => line.startsWith('"all" |')).length, 1);
    ok(body.split("\n").some((line) => line.startsWith('"all plan" | 2 |')), body);
  } finally {
    await Deno.remove(csv.replace(/\/x\.csv$/, ""), { recursive: true });
  }
});
