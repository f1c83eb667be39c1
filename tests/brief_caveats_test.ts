/**
 * The brief's "Read with care" line on free-tier organizations that already pay
 * (payingFreeCaveat in lib/report/brief_sections.ts), counted by hand from seven organizations.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { payingFreeCaveat } from "../lib/report/brief_sections.ts";
import { briefMarkdown } from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/**
 * a, b free paying $50 and $20 on their own rows; c enterprise $1,000, its customer's staging
 * organization d free (shared_customer: pays on c's row); e free without a customer; f free on a
 * trial ($0); g free sharing h's customer, which pays $0
 */
const frame = () =>
  exportFrameFromColumns({
    org_id: ["a", "b", "c", "d", "e", "f", "g", "h"],
    tier: ["free", "free", "enterprise", "free", "free", "free", "free", "pro"],
    stripe_customer_id: ["cus_a", "cus_b", "cus_e", "cus_e", null, "cus_f", "cus_g", "cus_g"],
    mrr: [50, 20, 1000, null, 0, 0, null, 0],
    revenue_source: [
      "stripe",
      "stripe",
      "stripe",
      "shared_customer",
      "no_customer",
      "stripe",
      "shared_customer",
      "stripe",
    ],
  });

Deno.test("brief: free-tier organizations that already pay, on their own row or their customer's", () => {
  // a + b: 2 on their own rows, $50 + $20; d: 1 through c's row; e, f, g do not pay
  assertEquals(payingFreeCaveat(frame()), [
    "`tier` is Helicone's own record, and free-tier organizations already pay: 2 organizations with `mrr` > 0 on their own row ($70.00 a month), and 1 organization whose Stripe customer pays on another organization's row (`revenue_source` shared_customer). Leave them out of upgrade candidates (question 7; the kit's own answer, in the MCP server and the questions notebook, does), and read a free tier's `mrr` as revenue the tier does not explain (a tier not updated, or a free staging organization of a paying customer).",
  ]);
  // only d: the sibling part alone, in the singular
  const onlyD = frame().filter(pl.col("org_id").isIn(["c", "d", "e"]));
  ok(
    payingFreeCaveat(onlyD)[0].includes(
      "already pay: 1 organization whose Stripe customer pays on another organization's row",
    ),
  );
  // no free organization pays: no line, and none in the brief
  const none = frame().filter(pl.col("org_id").isIn(["c", "e", "f", "g", "h"]));
  assertEquals(payingFreeCaveat(none), []);
  const brief = (f: pl.DataFrame) =>
    briefMarkdown({
      data: {
        frame: f,
        asOf: new Date("2026-11-01T00:00:00Z"),
        windowDays: 30,
        demo: false,
        warnings: [],
        revenue: { source: "stripe" },
      },
      exportFiles: [{ name: "x.csv", bytes: 1 }],
    });
  const withLine = brief(frame());
  const care = withLine.slice(
    withLine.indexOf("## Read with care"),
    withLine.indexOf("## Columns"),
  );
  ok(care.includes("\n- `tier` is Helicone's own record, and free-tier organizations already pay"));
  ok(!brief(none).includes("free-tier organizations already pay"));
});
