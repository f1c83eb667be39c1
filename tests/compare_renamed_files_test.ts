/**
 * A compared export renamed (not `helicone_pricing_data_<as-of>.csv`): its manifest beside it under
 * the same name (`<name>.manifest.json`) is read at the as-of the comparison was given, so the FX
 * rates and unmapped customers it records still count (lib/analysis/compare_fx.ts,
 * compare_unmapped.ts). By hand: e pays €100, $120 at EUR 1.20 in December; at 1.10 before, the
 * rate's part is 120 × (1 − 1.10 ÷ 1.20) = $10.00. Unmapped: $200 (one customer) → none, −$200.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { filesFxChange } from "../lib/analysis/compare_fx.ts";
import { filesUnmapped } from "../lib/analysis/compare_unmapped.ts";

const ONE = { customers: 1, mrr_usd: 200, mrr_recurring_usd: 200, unknown_mrr_customers: 0 };
const NONE = { customers: 0, mrr_usd: 0, mrr_recurring_usd: 0, unknown_mrr_customers: 0 };

Deno.test("renamed exports: their manifests' FX rates and unmapped customers are read at the as-of given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = async (
      name: string,
      { asOf, rate, unmapped }: { asOf: string; rate: number; unmapped: typeof ONE },
    ) => {
      const path = join(dir, `${name}.csv`);
      await Deno.writeTextFile(path, "org_id\r\n");
      await Deno.writeTextFile(
        join(dir, `${name}.manifest.json`),
        JSON.stringify({
          as_of: asOf,
          revenue: { fx_rates: { EUR: rate }, unmapped_customers: unmapped },
        }),
      );
      return { path, asOf: new Date(asOf) };
    };
    const old = await file("november", {
      asOf: "2026-11-01T00:00:00.000Z",
      rate: 1.1,
      unmapped: ONE,
    });
    const newer = await file("december", {
      asOf: "2026-12-01T00:00:00.000Z",
      rate: 1.2,
      unmapped: NONE,
    });
    const billing = exportFrameFromColumns({
      org_id: ["e"],
      mrr_recurring: [120],
      currency: ["EUR"],
    });
    const fx = await filesFxChange({ old, newer, newBilling: () => Promise.resolve(billing) });
    assertEquals(
      [fx?.rateChanges, fx?.valued, fx?.mixed, fx?.mrrRecurringFromRates],
      [[{ currency: "EUR", oldRate: 1.1, newRate: 1.2 }], 1, 0, 10],
    );
    const unmapped = await filesUnmapped({ old, newer });
    assertEquals([unmapped.old?.mrrUsd, unmapped.newer?.mrrUsd], [200, 0]);
    assertEquals(
      unmapped.note?.endsWith(
        "old $200.00 of mrr ($200.00 of mrr_recurring, 1 customer), new none: -$200.00 of mrr (-$200.00 of mrr_recurring)",
      ),
      true,
      unmapped.note ?? "",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
