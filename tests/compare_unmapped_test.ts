/**
 * Two exports compared (CLI `compare`, MCP compare_exports through the real SDK client) tell an
 * export whose every Stripe customer maps ("none": its manifest records zeros) from one that read
 * no revenue ("not recorded": no record), lib/analysis/compare_unmapped.ts. Three live exports on
 * the fixture databases, Stripe read through the real SDK from tests/fake_stripe.ts; manifests and
 * briefs read back, figures by hand:
 *
 *   as-of        Stripe                                        manifest's revenue.unmapped_customers
 *   2026-10-30   skipped (no revenue read)                     (none written)
 *   2026-10-31   cus_alpha $79, cus_charlie $200, cus_unmapped $200   1 customer, $200 / $200
 *   2026-11-01   cus_alpha $79, cus_charlie $200               0 customers, $0 / $0
 *
 * cus_alpha and cus_charlie are fixture organizations' customers; cus_unmapped is nobody's.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { activeSubscription, fakeStripeEnv, monthlyPrice, startFakeStripe } from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { captureConsole } from "./console_capture.ts";
import { call, connectInMemory, text, type Values } from "./mcp_client.ts";

const PRODUCTS = [
  { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
  { id: "prod_team_bundle", name: "team_bundle", metadata: {} },
];
const MAPPED = [
  activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900)),
  activeSubscription("cus_charlie", monthlyPrice("team_bundle", 20000)),
];
const UNMAPPED = activeSubscription("cus_unmapped", monthlyPrice("team_bundle", 20000));

const csv = (date: string) => `helicone_pricing_data_${date}.csv`;

/** cus_unmapped's $200 (recurring too: a licensed price, no usage). */
const ONE = { customers: 1, mrr_usd: 200, mrr_recurring_usd: 200, unknown_mrr_customers: 0 };
const NONE = { customers: 0, mrr_usd: 0, mrr_recurring_usd: 0, unknown_mrr_customers: 0 };

const LEAD =
  "not in these totals: the MRR of Stripe customers no organization's stripe_customer_id names, which Stripe's dashboard counts";
/** 10-31 → 11-01: $200 → none, both recorded, so a change: −$200 of each. */
const ONE_TO_NONE =
  `${LEAD}: old $200.00 of mrr ($200.00 of mrr_recurring, 1 customer), new none: -$200.00 of mrr (-$200.00 of mrr_recurring)`;
/** 10-30 → 10-31: not recorded (no revenue read), so no change given. */
const UNRECORDED_TO_ONE =
  `${LEAD}: old not recorded, new $200.00 of mrr ($200.00 of mrr_recurring, 1 customer) (a file not recorded is an older kit's, a backfill's, or an export's that read no revenue: unknown, not $0)`;

Deno.test("compare of two exports: a manifest's zeros read as none, a manifest without the record (revenue not read) as not recorded; CLI and compare_exports (structured too)", async () => {
  const databases = await freshFixtureDatabases("compare_unmapped");
  const withUnmapped = startFakeStripe(
    { subscriptions: [...MAPPED, UNMAPPED], products: PRODUCTS, invoices: [] },
    "sk_test_fake_unmapped",
  );
  const allMapped = startFakeStripe(
    { subscriptions: MAPPED, products: PRODUCTS, invoices: [] },
    "sk_test_fake_mapped",
  );
  const dir = await Deno.makeTempDir({ prefix: "compare_unmapped_" });
  const out = await Deno.makeTempDir({ prefix: "compare_unmapped_out_" });
  try {
    const exportAt = (date: string, fake: typeof allMapped | null) =>
      runExport({
        asOf: new Date(`${date}T00:00:00Z`),
        outDir: dir,
        formats: ["csv"],
        charts: false,
        log: () => {},
        ...(fake ? {} : { stripe: "skip" as const }),
        env: {
          ...databases.env,
          ...(fake
            ? {
              ...fakeStripeEnv(fake),
            }
            : {}),
        },
      });
    const skipped = await exportAt("2026-10-30", null);
    const some = await exportAt("2026-10-31", withUnmapped);
    const none = await exportAt("2026-11-01", allMapped);
    assertEquals(
      [skipped.data.revenue.source, some.data.revenue.source, none.data.revenue.source],
      ["none", "stripe", "stripe"],
    );

    // the manifests: no record without revenue, $200 with cus_unmapped, zeros when every maps
    const manifestRevenue = async (result: typeof none) =>
      JSON.parse(await Deno.readTextFile(result.manifestPath)).revenue;
    ok(!("unmapped_customers" in await manifestRevenue(skipped)));
    assertEquals((await manifestRevenue(some)).unmapped_customers, ONE);
    assertEquals((await manifestRevenue(none)).unmapped_customers, NONE);
    // the brief says it only when there are some; none is not said
    const sentence = "Stripe customer that no organization's `stripe_customer_id` names";
    ok((await Deno.readTextFile(some.briefPath)).includes(sentence));
    for (const result of [none, skipped]) {
      const brief = await Deno.readTextFile(result.briefPath);
      ok(!brief.includes("no organization's `stripe_customer_id` names"), brief);
    }

    // CLI compare: the note on stdout, and none when neither file records any
    const compare = async (old: string, newer: string) => {
      const captured = captureConsole();
      try {
        const code = await compareMain([
          join(dir, csv(old)),
          join(dir, csv(newer)),
          "--out-dir",
          out,
        ]);
        assertEquals(code, 0, captured.errors.join("\n"));
        return captured.logs.filter((line) => line.startsWith("note: not in these totals"));
      } finally {
        captured.restore();
      }
    };
    assertEquals(await compare("2026-10-31", "2026-11-01"), [`note: ${ONE_TO_NONE}`]);
    assertEquals(await compare("2026-10-30", "2026-10-31"), [`note: ${UNRECORDED_TO_ONE}`]);
    assertEquals(await compare("2026-10-30", "2026-11-01"), []);

    // MCP: compare_exports' text and structured unmapped_stripe_customers; describe_dataset of
    // the newest (every customer mapped) carries none
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      // listed first, the client checks each result against the outputSchema on receipt too
      const { tools } = await client.listTools();
      const check = new AjvJsonSchemaValidator().getValidator(
        tools.find((t) => t.name === "compare_exports")!.outputSchema! as Parameters<
          AjvJsonSchemaValidator["getValidator"]
        >[0],
      );
      const compared = async (args: Values) => {
        const result = await call(client, "compare_exports", args);
        ok(!result.isError, text(result));
        assertEquals(check(result.structuredContent).valid, true);
        return { text: text(result), structured: result.structuredContent! };
      };
      // the defaults: the newest (11-01) and the export before it (10-31)
      const byDefault = await compared({});
      assertEquals([byDefault.structured.old, byDefault.structured.new], [
        csv("2026-10-31"),
        csv("2026-11-01"),
      ]);
      ok(byDefault.text.includes(`\nnote: ${ONE_TO_NONE}\n`), byDefault.text);
      assertEquals(byDefault.structured.unmapped_stripe_customers, {
        old: ONE,
        new: NONE,
        mrr_change_usd: -200,
        mrr_recurring_change_usd: -200,
        note: ONE_TO_NONE,
      });
      const fromUnrecorded = await compared({ old: csv("2026-10-30"), new: csv("2026-10-31") });
      ok(fromUnrecorded.text.includes(`\nnote: ${UNRECORDED_TO_ONE}\n`), fromUnrecorded.text);
      assertEquals(fromUnrecorded.structured.unmapped_stripe_customers, {
        old: null,
        new: ONE,
        mrr_change_usd: null,
        mrr_recurring_change_usd: null,
        note: UNRECORDED_TO_ONE,
      });
      // not recorded → none: no note, but the structured figures keep the two apart
      const toNone = await compared({ old: csv("2026-10-30"), new: csv("2026-11-01") });
      ok(!toNone.text.includes(LEAD), toNone.text);
      assertEquals(toNone.structured.unmapped_stripe_customers, {
        old: null,
        new: NONE,
        mrr_change_usd: null,
        mrr_recurring_change_usd: null,
      });
      // a manifest's zeros are none: describe_dataset leaves the field out, as the brief does
      const described = (await call(client, "describe_dataset")).structuredContent!;
      assertEquals(described.source, `export file ${join(dir, csv("2026-11-01"))}`);
      ok(!("unmapped_stripe_customers" in described), JSON.stringify(described).slice(0, 300));
    } finally {
      await close();
    }
  } finally {
    await withUnmapped.close();
    await allMapped.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(out, { recursive: true });
    await databases.drop();
  }
});
