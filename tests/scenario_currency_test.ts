/**
 * A scenario's customers billed in another currency than USD: their MRR is the export's, converted
 * to USD at PRICING_FX_RATES, set against the scenario's USD prices, so part of their change is
 * the exchange rate, not the prices; one warning says so (stderr, the summary, MCP's warnings), as
 * the per-plan table's currency note does for mrr_to_list_pct. Numbers worked by hand from four
 * organizations.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { compareScenario } from "../lib/analysis/scenario/mod.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";

/**
 * u team 10 seats $200 in USD; e team 3 seats 200 EUR = $216 (EUR 1.08); j team 2 seats ¥30,000
 * = $200 (JPY 0.00667) on a customer it shares with js, a free organization (its row's currency
 * empty, the revenue on j's); f free, no customer.
 */
const FRAME = exportFrameFromColumns({
  org_id: ["u", "e", "j", "js", "f"],
  org_name: ["U", "E", "J", "JS", "F"],
  tier: ["team", "team", "team", "free", "free"],
  tier_raw: ["team", "team", "team", "free", "free"],
  stripe_customer_id: ["cus_u", "cus_e", "cus_j", "cus_j", null],
  revenue_source: ["stripe", "stripe", "stripe", "shared_customer", "no_customer"],
  currency: ["usd", "eur", "jpy", null, null],
  seats: [10, 3, 2, 1, 1],
  mrr: [200, 216, 200, null, 0],
});

/** $25 a seat on team, free at $0. */
const SEATS = {
  name: "seats",
  description: "team $25 a seat",
  addonPrices: {},
  plans: [
    { name: "team seats", match: { tiers: ["team"] }, perSeatUsd: 25 },
    { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
  ],
};

// e 216 → 75 (−141), j's customer 200 → 50 + 0 (−150): −291, neither pays more; u 200 → 250 is
// billed in USD
const WARNING =
  "2 Stripe customers billed in EUR, JPY (not USD) change by -$291.00 a month (0 of them pay more): their MRR is converted to USD at PRICING_FX_RATES and set against the scenario's USD prices (and the price book's), so one billed 100 EUR for a 100 USD price reads the exchange rate as a change: part of their change is the rate, not the scenario's prices";

Deno.test("customers billed in another currency: one warning with their change, counted once per customer", async () => {
  const result = await compareScenario(FRAME, { scenario: SEATS });
  assertEquals(result.warnings.filter((w) => w.includes("not USD")), [WARNING]);
  // all in USD: nothing said
  const usd = await compareScenario(
    FRAME.filter(FRAME.getColumn("org_id").isIn(["u", "f"])),
    { scenario: SEATS },
  );
  assertEquals(usd.warnings.filter((w) => w.includes("not USD")), []);
  // one customer: said in the singular
  const one = await compareScenario(
    FRAME.filter(FRAME.getColumn("org_id").isIn(["u", "e"])),
    { scenario: SEATS },
  );
  assertEquals(one.warnings.filter((w) => w.includes("not USD")), [
    "1 Stripe customer billed in EUR (not USD) changes by -$141.00 a month (it pays less): its MRR is converted to USD at PRICING_FX_RATES and set against the scenario's USD prices (and the price book's), so one billed 100 EUR for a 100 USD price reads the exchange rate as a change: part of its change is the rate, not the scenario's prices",
  ]);
});

Deno.test("deno task scenario --input: the currency warning on stderr and in the summary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scenario_currency_test_" });
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(FRAME, input);
    const scenario = join(dir, "seats.json");
    await Deno.writeTextFile(scenario, JSON.stringify(SEATS));
    assertEquals(await scenarioMain([scenario, "--input", input, "--out-dir", dir]), 0);
    ok(errors.includes(`warning: seats: ${WARNING}`), errors.join("\n"));
    // the price book ($200 a team bundle: 600) misses e's $216 by the rate, among the gap's
    // causes; the scenario 250 + 75 + 50 = 375 against it
    ok(
      logs.includes(
        '  against the price book "current_seat_based" on the same 5 organizations: -$225.00 (-37.5 %) from its $600.00, which is -$16.00 from current MRR (discounts, term billing, exchange rates: not this scenario)',
      ),
      logs.join("\n"),
    );
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_scenario_seats_2026-11-01.md"),
    );
    ok(summary.includes(`- ${WARNING.replace("PRICING_FX_RATES", "`PRICING_FX_RATES`")}`), summary);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a customer billed 0 in another currency is not in the currency warning: no rate is part of its change", async () => {
  // z team 2 seats billed 0 EUR (a 100 % coupon): $0 at any rate, 0 → 50 is the scenario's
  // prices alone; the warning is the four organizations' above, unchanged
  const zero = exportFrameFromColumns({
    org_id: ["u", "e", "j", "js", "f", "z"],
    org_name: ["U", "E", "J", "JS", "F", "Z"],
    tier: ["team", "team", "team", "free", "free", "team"],
    tier_raw: ["team", "team", "team", "free", "free", "team"],
    stripe_customer_id: ["cus_u", "cus_e", "cus_j", "cus_j", null, "cus_z"],
    revenue_source: ["stripe", "stripe", "stripe", "shared_customer", "no_customer", "stripe"],
    currency: ["usd", "eur", "jpy", null, null, "eur"],
    seats: [10, 3, 2, 1, 1, 2],
    mrr: [200, 216, 200, null, 0, 0],
  });
  const result = await compareScenario(zero, { scenario: SEATS });
  assertEquals(result.warnings.filter((w) => w.includes("not USD")), [WARNING]);
});
