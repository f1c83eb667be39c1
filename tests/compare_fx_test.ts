/**
 * A comparison of two exports converted at different FX rates (lib/analysis/compare_fx.ts): an
 * organization billed in EUR moves in USD with the rate at the same price, which the summary and
 * the command's output say with the amount, as the history report books it as fx_impact. The
 * amounts are worked out by hand from the small fixtures below.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  fxChangeImpact,
  fxChangeWarning,
  fxImpactWarning,
  fxRateChanges,
} from "../lib/analysis/compare_fx.ts";
import { signedUsd } from "../lib/core/usd.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { captureConsole } from "./console_capture.ts";

/**
 * November at EUR 1.10: e pays €90 ($99), g £100 at 1.27 ($127), u $50, m €50 + $10 in two
 * currencies ($65), f nothing.
 */
const november = exportFrameFromColumns({
  org_id: ["e", "g", "u", "m", "f"],
  org_name: ["Euro GmbH", "Pound Ltd", "Dollar Inc", "Mixed SA", "Free"],
  tier: ["team", "team", "pro", "team", "free"],
  mrr: [99, 127, 50, 65, 0],
  mrr_recurring: [99, 127, 50, 65, 0],
  currency: ["EUR", "GBP", "USD", "EUR,USD", null],
});

/** December at EUR 1.20, the same prices: e $108, m €50 × 1.20 + $10 = $70. */
const december = exportFrameFromColumns({
  org_id: ["e", "g", "u", "m", "f"],
  org_name: ["Euro GmbH", "Pound Ltd", "Dollar Inc", "Mixed SA", "Free"],
  tier: ["team", "team", "pro", "team", "free"],
  mrr: [108, 127, 50, 70, 0],
  mrr_recurring: [108, 127, 50, 70, 0],
  currency: ["EUR", "GBP", "USD", "EUR,USD", null],
});

const EXPECTED =
  "FX rates differ (USD per unit, PRICING_FX_RATES as each export ran): EUR 1.1 → 1.2; 1 organization billed in EUR moves in USD with the rate at the same price: +$9.00 of the mrr_recurring change is the rate (their new recurring MRR at the new rate less at the old one; the history report books it as fx_impact); 1 organization billed in EUR moves with it too, beside another currency (not valued: one rate cannot value the mix)";

Deno.test("fxRateChanges: the currencies whose rate differs, when both files record rates", () => {
  assertEquals(fxRateChanges({ EUR: 1.1, GBP: 1.27 }, { GBP: 1.27, EUR: 1.2, JPY: 0.0067 }), [
    { currency: "EUR", oldRate: 1.1, newRate: 1.2 },
  ]);
  assertEquals(fxRateChanges({ EUR: 1.1 }, { EUR: 1.1 }), []);
  // an export from before rates were recorded: unknown, not a change
  assertEquals(fxRateChanges(null, { EUR: 1.2 }), []);
});

Deno.test("fxChangeWarning: the rate's part of the MRR change, $108 × (1 − 1.10 ÷ 1.20) = $9.00", () => {
  const changes = fxRateChanges({ EUR: 1.1, GBP: 1.27 }, { EUR: 1.2, GBP: 1.27 });
  assertEquals(fxChangeWarning(changes, december), EXPECTED);
  // a fall: £ 1.27 → 1.25 on g's $125 (£100 × 1.25) is 125 × (1 − 1.27 ÷ 1.25) = −$2.00
  const pound = exportFrameFromColumns({
    org_id: ["g"],
    org_name: ["Pound Ltd"],
    tier: ["team"],
    mrr_recurring: [125],
    currency: ["GBP"],
  });
  const warning = fxChangeWarning(fxRateChanges({ GBP: 1.27 }, { GBP: 1.25 }), pound);
  ok(warning?.includes(": GBP 1.27 → 1.25; 1 organization billed in GBP "), warning ?? "");
  ok(warning?.includes(": -$2.00 of the mrr_recurring change is the rate"), warning ?? "");
  ok(!warning?.includes("beside another currency"), warning ?? "");
  // nobody billed in the changed currency: nothing to say
  assertEquals(fxChangeWarning(fxRateChanges({ JPY: 0.0067 }, { JPY: 0.007 }), december), null);
  assertEquals(fxChangeWarning([], december), null);
});

Deno.test("deno task compare: exports converted at different FX rates say so, with the amount, in the output and the summary", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const manifest = (asOf: string, rates: Record<string, number> | null) =>
      JSON.stringify({
        demo: false,
        as_of: asOf,
        window: { days: 30 },
        revenue: rates ? { fx_rates: rates } : {},
      });
    const oldPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-12-01.csv");
    await writeCsvFile(november, oldPath);
    await writeCsvFile(december, newPath);
    const oldManifest = join(dir, "helicone_pricing_data_2026-11-01.manifest.json");
    const newManifest = join(dir, "helicone_pricing_data_2026-12-01.manifest.json");
    await Deno.writeTextFile(oldManifest, manifest("2026-11-01T00:00:00.000Z", { EUR: 1.1 }));
    await Deno.writeTextFile(newManifest, manifest("2026-12-01T00:00:00.000Z", { EUR: 1.2 }));
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors, [`warning: ${EXPECTED}`]);
    const summaryPath = join(dir, "helicone_pricing_compare_2026-11-01_to_2026-12-01.md");
    const summary = (await Deno.readTextFile(summaryPath)).split("\n");
    assertEquals(
      summary[2],
      `> **Warning: ${
        EXPECTED.replace("PRICING_FX_RATES", "`PRICING_FX_RATES`")
          .replace("mrr_recurring", "`mrr_recurring`").replace("fx_impact", "`fx_impact`")
      }.**`,
    );
    // the same rates, or a manifest without them (an export from before they were recorded): none
    for (const rates of [{ EUR: 1.1 }, null]) {
      await Deno.writeTextFile(newManifest, manifest("2026-12-01T00:00:00.000Z", rates));
      errors.length = 0;
      assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
      assertEquals(errors, []);
      ok(!(await Deno.readTextFile(summaryPath)).includes("FX rates differ"));
    }
    // a manifest of another as-of beside the file (a re-export's) is not this file's rates
    await Deno.writeTextFile(newManifest, manifest("2026-12-02T00:00:00.000Z", { EUR: 1.2 }));
    errors.length = 0;
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: two snapshots read their rates from their sidecars", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const snapshot = (frame: typeof november, asOf: string, rate: number) =>
      writeSnapshot(frame, {
        dir,
        asOf: new Date(asOf),
        demo: false,
        origin: "export",
        fxRates: { EUR: rate },
      });
    const old = await snapshot(november, "2026-11-01T00:00:00Z", 1.1);
    const newer = await snapshot(december, "2026-12-01T00:00:00Z", 1.2);
    const out = join(dir, "out");
    assertEquals(await compareMain([old.path, newer.path, "--out-dir", out]), 0, errors.join());
    assertEquals(errors, [`warning: ${EXPECTED}`]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a change's amount has one sign rule: the FX warning's is signedUsd's, no sign on a change shown as $0.00", () => {
  // signedUsd: a sign only where the shown cents are not zero (a sub-cent change rounds to
  // nothing: "+$0.00" would claim a direction the figure does not show)
  assertEquals(
    [0.01, -0.01, 0.004, -0.004, 0, 1234.5].map(signedUsd),
    ["+$0.01", "-$0.01", "$0.00", "$0.00", "$0.00", "+$1,234.50"],
  );
  const rateChanges = [{ currency: "EUR", oldRate: 1.1, newRate: 1.2 }];
  const amountIn = (mrrRecurringFromRates: number) =>
    fxImpactWarning({ rateChanges, valued: 1, mixed: 0, mrrRecurringFromRates })
      .match(/same price: (\S+) of the mrr_recurring change/)![1];
  assertEquals(
    [0.01, -0.01, 0.004, -0.004, 0, 1234.5].map(amountIn),
    ["+$0.01", "-$0.01", "$0.00", "$0.00", "$0.00", "+$1,234.50"],
  );
});

Deno.test("fxRateChanges by code, whatever order a manifest lists them in", () => {
  assertEquals(
    fxRateChanges({ GBP: 1.27, EUR: 1.1 }, { GBP: 1.25, EUR: 1.2 }).map((c) => c.currency),
    ["EUR", "GBP"],
  );
});

Deno.test("fxChangeImpact: an organization billed in a changed currency beside another is counted, with blanks around its codes", () => {
  const changes = fxRateChanges({ EUR: 1.1 }, { EUR: 1.2 });
  // m: "USD, EUR" (a blank after the comma) is in EUR too; no organization in EUR alone
  const mixedOnly = exportFrameFromColumns({
    org_id: ["m", "u"],
    mrr_recurring: [70, 50],
    currency: ["USD, EUR", "USD"],
  });
  assertEquals(fxChangeImpact(changes, mixedOnly), {
    rateChanges: changes,
    valued: 0,
    mixed: 1,
    mrrRecurringFromRates: 0,
  });
  // e: " EUR " alone: valued, 120 × (1 − 1.1 ÷ 1.2) = $10.00
  const spaced = exportFrameFromColumns({
    org_id: ["e"],
    mrr_recurring: [120],
    currency: [" EUR "],
  });
  assertEquals(fxChangeImpact(changes, spaced)?.mrrRecurringFromRates, 10);
});
