/**
 * A shared Stripe customer whose revenue row's MRR is unknown (unconverted, unknown to Stripe)
 * leaves its other organizations' (shared_customer) MRR unknown too: the brief's By tier "unknown
 * mrr", the trimmed file's left-out MRR and the tier chart's MRR-unknown count say so, as the
 * admin page, PTB vs BYOK and the MCP segments do (knownMrrRows, lib/revenue/columns.ts).
 *
 * The fixture, seven organizations:
 *   e pro,  cus_e, unconverted, mrr empty                  → unknown
 *   s free, cus_e, shared_customer (revenue on e's row)     → unknown (e's is)
 *   t free, cus_f, shared_customer (revenue on f's row)     → known ($0 here, f's $100)
 *   f pro,  cus_f, stripe, mrr $100                         → known
 *   u free, cus_u, none (unknown to Stripe), mrr empty      → unknown
 *   v free, cus_u, shared_customer (revenue on u's row)     → unknown (u's is)
 *   w free, cus_w, stripe, mrr $0                           → known
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { tierSection } from "../lib/report/brief_tiers.ts";
import { leftOutMrr, leftOutOfTrimmed } from "../lib/report/trimmed.ts";
import { costAndMrrByTierChart } from "../lib/report/charts.ts";
import { writeChartsOffThread } from "../lib/report/chart_worker.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { captionLines } from "./chart_readers.ts";

const frame = pl.DataFrame({
  org_name: ["e", "s", "t", "f", "u", "v", "w"],
  tier: ["pro", "free", "free", "pro", "free", "free", "free"],
  seats: [3, 1, 2, 4, 1, 2, 5],
  mrr: pl.Series("mrr", [null, null, null, 100, null, null, 0], pl.Float64),
  revenue_source: [
    "unconverted",
    "shared_customer",
    "shared_customer",
    "stripe",
    "none",
    "shared_customer",
    "stripe",
  ],
  stripe_customer_id: ["cus_e", "cus_e", "cus_f", "cus_f", "cus_u", "cus_u", "cus_w"],
  requests_30d: [10, 0, 5, 20, 0, 0, 0],
  llm_cost_30d: [1, 0, 0.5, 2, 0, 0, 0],
  is_ptb: [false, false, false, false, false, false, false],
});

/** A By tier row's cells, by the tier's name. */
function tierRow(table: string, tier: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${tier} |`));
  ok(line, table);
  return line.split("|").slice(1, -1).map((cell) => cell.trim());
}

Deno.test("By tier: unknown mrr counts an organization sharing a customer whose revenue row's MRR is unknown", () => {
  const table = tierSection(frame);
  const unknownMrr = table.split("\n")[0].split("|").slice(1, -1).map((c) => c.trim())
    .indexOf("unknown mrr");
  ok(unknownMrr > 0, table);
  // pro: e (unconverted) unknown, f $100 known → 1
  assertEquals(tierRow(table, "pro")[unknownMrr], "1");
  // free: s (e's customer) and u, v (cus_u unknown to Stripe) → 3; t (f's customer) and w known
  assertEquals(tierRow(table, "free")[unknownMrr], "3");
});

Deno.test("trimmed file: the left-out MRR counts an organization sharing a left-out customer of unknown MRR as unknown", () => {
  // kept: e, f (pro), s (shares cus_e with e), t (shares cus_f with f); left out u, v, w
  const out = leftOutOfTrimmed(frame);
  // seats 1 + 2 + 5 = 8; MRR known for w only ($0): u unknown to Stripe, v its sibling
  assertEquals(out, { organizations: 3, seats: 8, mrr: 0, mrrKnown: 1 });
  assertEquals(leftOutMrr(out), "$0.00 known MRR, unknown for 2 of them");
});

Deno.test("cost and MRR by tier: an organization sharing a customer whose revenue row's MRR is unknown is unknown MRR", () => {
  const caption = captionLines(costAndMrrByTierChart(frame).svg).join(" ");
  // e, s, u, v: 4 (t and w known, f $100)
  ok(caption.includes(" 4 with unknown MRR left out of their tier's MRR."), caption);
});

Deno.test("cost and MRR by tier drawn by the export's chart worker counts the same 4 with unknown MRR", async () => {
  // the worker gets the chart columns only (no stripe_customer_id): the count must not fall back
  // to each row's own revenue_source, which reads s and v as known (2)
  const outDir = await Deno.makeTempDir();
  try {
    const { paths } = await writeChartsOffThread({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame,
      outDir,
      stamp: "2026-11-01",
      summary: false,
      windowDays: 30,
      demo: false,
    });
    const svg = paths.find((p) => p.endsWith("cost_and_mrr_by_tier_2026-11-01.svg"));
    ok(svg, paths.join(", "));
    const caption = captionLines(await Deno.readTextFile(svg)).join(" ");
    ok(caption.includes(" 4 with unknown MRR left out of their tier's MRR."), caption);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
