/**
 * The brief's Totals and By tier: unknown MRR, loss-making and shared Stripe customers, window
 * sums beside monthly MRR and the tier order, matched against the five-organization fixture
 * (tests/brief_fixture.ts; arithmetic in the comments).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { briefMarkdown } from "../lib/report/brief.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { segmentFrames } from "../lib/report/segments.ts";
import { NEGATIVE_COMPANY_MARGIN_COUNTED, totalsSection } from "../lib/report/brief_sections.ts";
import { tierSection } from "../lib/report/brief_tiers.ts";
import { frameWithLosingSharedCustomer } from "./economics_fixture.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "../lib/economics/customer_margins.ts";
import { CSV, data, frame, NEGATIVE_LINE } from "./brief_fixture.ts";

Deno.test("Totals: MRR nobody's is known is unknown, not $0; a shared customer's other organization is not unknown", () => {
  // every MRR unknown (Stripe skipped): both MRR sums "–", all five unknown
  const unknown = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
  );
  const lines = totalsSection(unknown).split("\n");
  ok(
    lines.includes("| MRR (spec definition, organizations with known MRR) | – |"),
    lines.join("\n"),
  );
  ok(lines.includes("| MRR, recurring only (industry definition) | – |"));
  ok(lines.includes("| organizations with unknown MRR (empty cell) | 5 |"));
  ok(!lines.some((line) => line.includes("`shared_customer`")));
  // o5's customer is o4's (revenue on o4's row): its empty MRR is not unknown, and said apart
  const shared = frame.withColumns(
    pl.Series("revenue_source", ["no_customer", "stripe", "stripe", "stripe", "shared_customer"]),
  );
  const sharedLines = totalsSection(shared).split("\n");
  ok(sharedLines.includes("| MRR (spec definition, organizations with known MRR) | $120.00 |"));
  ok(sharedLines.includes("| organizations with unknown MRR (empty cell) | 0 |"));
  ok(
    sharedLines.includes(
      "| organizations sharing a Stripe customer whose revenue another organization's row carries (`shared_customer`, empty MRR) | 1 |",
    ),
    sharedLines.join("\n"),
  );
});

Deno.test("Totals and By tier count the organizations of loss-making customers, a shared customer judged as one: the negative_margin segment's count", async () => {
  // p's own row reads (50 − 30) / 50 = 40 %, q (free, shared_customer) has no MRR of its own;
  // their customer cus_x: (50 − 90) / 50 = −80 %, so both count. s: (40 − 60) / 40 = −50 %.
  const shared = await frameWithLosingSharedCustomer();
  const totals = totalsSection(shared).split("\n");
  ok(totals.includes(`| ${NEGATIVE_LINE} | 3 |`), totals.join("\n"));
  // company basis: cus_x's $50 against q's $60 of PTB cost (p's and s's LLM cost is BYOK, the
  // customer's): p and q lose the company money; s's $60 is BYOK, so cus_s keeps its $40
  ok(totals.includes(`| ${NEGATIVE_COMPANY_MARGIN_COUNTED} | 2 |`), totals.join("\n"));
  // By tier: pro p and s (both counted), free q (its customer's, judged with p)
  const tiers = tierSection(shared).split("\n");
  ok(
    tiers.includes("| free | 1 | 1 | 2,000 | 2,000 | $60.00 | – | 0 | – | 1 | 0 |"),
    tiers.join("\n"),
  );
  ok(tiers.includes("| pro | 2 | 3 | 4,000 | 2,000 | $90.00 | $90.00 | 0 | 2 | 2 | 0 |"));
  assertEquals(
    segmentFrames(shared).find((s) => s.name === "negative_margin")!.frame.height,
    3,
  );
});

Deno.test("Totals and By tier read one working-out of the loss-making customers, handed to both (briefMarkdown's withLosses)", () => {
  // worked out, o4's customer loses money ((40 − 300) / 40 = −650 %): Totals and pro count 1.
  // Handed flags that say no customer loses money, both sections count 0: they read what they
  // are given and do not work it out again.
  const none = withCustomerLosses(frame, 30).withColumns(
    pl.lit(false).alias(CUSTOMER_LOSS_COLUMNS.spec),
  );
  const lines = briefMarkdown({ data, withLosses: none, exportFiles: [{ name: CSV, bytes: 2048 }] })
    .split("\n");
  ok(lines.includes(`| ${NEGATIVE_LINE} | 0 |`), lines.join("\n"));
  ok(lines.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 0 | 2 |"));
  // not handed any, the brief works them out itself (once) for both
  const own = briefMarkdown({ data, exportFiles: [{ name: CSV, bytes: 2048 }] }).split("\n");
  ok(own.includes(`| ${NEGATIVE_LINE} | 1 |`));
  ok(own.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 1 | 2 |"));
});

Deno.test("a 7-day brief: By tier says its usage and cost are the window's sums beside monthly mrr; cost_per_seat is said not rescaled", () => {
  const brief = (windowDays: number) =>
    briefMarkdown({ data: { ...data, windowDays }, exportFiles: [{ name: CSV, bytes: 2048 }] });
  const week = brief(7).split("\n");
  const note = week[week.indexOf("## By tier") + 2];
  ok(
    note.endsWith(
      " Window of 7 days: `requests_30d` and `llm_cost_30d` are the window's sums, as in Totals, beside monthly `mrr` (× 30 / 7 puts them on a 30-day basis); the negative-margin count sets the LLM cost on that basis against `mrr`, as `gross_margin_pct` does.",
    ),
    note,
  );
  ok(week.includes(
    "| tier | organizations | seats | requests_30d (7 days) | median requests_30d (7 days) | llm_cost_30d (7 days) | mrr | unknown mrr | paying (mrr > 0, of known mrr) | negative margin (organizations of loss-making customers, spec basis, of known mrr) | PTB organizations (is_ptb, all-time spend) |",
  ));
  // the figures are the window's own, as the fixture holds them (pro: cost 50 + 300); the
  // negative-margin count sets the cost on a 30-day basis against mrr: o3 80 < 50 × 30 / 7 =
  // 214.29 and o4 40 < 300 × 30 / 7, both
  ok(week.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $120.00 | 0 | 2 | 2 | 2 |"));
  // the one derived money column left at the window's length, beside its monthly counterpart
  ok(week.includes(
    "- Not rescaled: `cost_per_seat` is a 7-day figure beside monthly `revenue_per_seat`; × 30 / 7 puts it on a 30-day basis before comparing.",
  ));
  // a 30-day brief has none of it
  const month = brief(30);
  ok(!month.includes("Not rescaled"));
  ok(!month.includes("Window of 30 days"));
  ok(month.includes(
    "| tier | organizations | seats | requests_30d | median requests_30d | llm_cost_30d | mrr |",
  ));
});

Deno.test("shared Stripe customers: Totals counts them and a caveat says to group by stripe_customer_id", () => {
  // o4 shares cus_a with o2, o5 shares cus_b with o3: 2 organizations on a sibling's revenue,
  // 2 customers
  const shared = frame.withColumns(
    pl.Series("stripe_customer_id", [null, "cus_a", "cus_b", "cus_a", "cus_b"], pl.Utf8),
    pl.Series("revenue_source", [
      "no_customer",
      "stripe",
      "stripe",
      "shared_customer",
      "shared_customer",
    ]),
  );
  const lines = totalsSection(shared).split("\n");
  ok(
    lines.includes(
      "| Stripe customers shared by several organizations (their row ratios are the whole customer's revenue against one organization: group by `stripe_customer_id`) | 2 |",
    ),
    lines.join("\n"),
  );
  // none shared: no such line
  ok(!totalsSection(frame).includes("Stripe customers shared"));
  const brief = briefMarkdown({ data: { ...data, frame: shared }, exportFiles: [] });
  ok(
    brief.includes(
      "group by `stripe_customer_id` first and sum revenue and cost over the group",
    ),
  );
  ok(brief.includes("most and least profitable customers"));
  // none shared (the fixture, as the demo export): no caveat sending the reader to group by
  // customer, and By tier points at no Totals line that is not there
  const unshared = briefMarkdown({ data, exportFiles: [] });
  ok(!unshared.includes("group by `stripe_customer_id` first"), "caveat without shared customers");
  const tierNote = unshared.split("\n")[unshared.split("\n").indexOf("## By tier") + 2];
  ok(tierNote.startsWith("Sums per tier; `unknown mrr` counts organizations"), tierNote);
  ok(!tierNote.includes("line of their own"), tierNote);
  ok(!tierNote.includes("shared customer"), tierNote);
});

Deno.test("By tier: unknown mrr leaves out shared-customer rows whose customer's MRR is known, and its note says so", () => {
  // o3 shares cus_d with o4, whose row carries the revenue: o3's MRR is empty but not unknown
  // while o4's is known ($40), unknown with it when o4's is (none). o5's is unknown either way.
  const sharedWith = (o4Mrr: number | null, o4Source: string) =>
    frame.withColumns(
      pl.Series("mrr", [0, 0, null, o4Mrr, null], pl.Float64),
      pl.Series("mrr_recurring", [0, 0, null, o4Mrr, null], pl.Float64),
      pl.Series("revenue_source", ["no_customer", "stripe", "shared_customer", o4Source, "none"]),
      pl.Series("stripe_customer_id", [null, "cus_b", "cus_d", "cus_d", null], pl.Utf8),
      pl.Series("gross_margin_pct", [null, null, null, null, null], pl.Float64),
    );
  const briefLines = (shared: pl.DataFrame) =>
    briefMarkdown({ data: { ...data, frame: shared }, exportFiles: [{ name: CSV, bytes: 2048 }] })
      .split("\n");
  const known = briefLines(sharedWith(40, "stripe"));
  // pro: seats 4+2, requests 120,000, median 60,000, cost 350, MRR $40 (o4's), 0 unknown, 1
  // paying (o4; o3's empty mrr is not > 0); cus_d's 50 + 300 = 350 of cost against $40 loses
  // money, both count; both is_ptb
  ok(
    known.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $40.00 | 0 | 1 | 2 | 2 |"),
    known.filter((l) => l.startsWith("| pro")).join("\n"),
  );
  const note = known[known.indexOf("## By tier") + 2];
  ok(note.includes("`unknown mrr` counts organizations whose MRR is unknown"), note);
  ok(note.includes("Not counted there: organizations sharing a Stripe customer"), note);
  ok(!note.includes("except"), note);
  ok(known.includes(
    "| organizations sharing a Stripe customer whose revenue another organization's row carries (`shared_customer`, empty MRR) | 1 |",
  ));
  // o4's MRR unknown (none): o3's is too, so pro has 2 unknown, MRR and counts over it "–"
  const unknown = briefLines(sharedWith(null, "none"));
  ok(
    unknown.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | – | 2 | – | – | 2 |"),
    unknown.filter((l) => l.startsWith("| pro")).join("\n"),
  );
  const unknownNote = unknown[unknown.indexOf("## By tier") + 2];
  ok(
    unknownNote.includes(
      "Totals counts them on a line of their own), except 1 whose customer's revenue row has unknown MRR (`revenue_source` unconverted or none): theirs is unknown with it, and counted.",
    ),
    unknownNote,
  );
});

Deno.test("no MRR known (Stripe skipped): counts over MRR are unknown (–), not 0; partly known they count the known ones", () => {
  const noMrr = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("mrr_recurring"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
  );
  const trimmedName = "helicone_pricing_data_2026-11-01_trimmed.csv";
  const brief = briefMarkdown({
    data: { ...data, frame: noMrr, revenue: { source: "none" } },
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 1024, rows: 4 },
  });
  const lines = brief.split("\n");
  ok(lines.includes("| organizations with MRR > 0, of those with known MRR | – |"), brief);
  ok(lines.includes(`| ${NEGATIVE_LINE} | – |`));
  // By tier: free o1, o2 (1 + 2 seats, 1,000 requests, $3); paying and negative margin unknown
  ok(
    lines.some((l) =>
      l.includes(
        "| paying (mrr > 0, of known mrr) | negative margin (organizations of loss-making customers, spec basis, of known mrr) |",
      )
    ),
  );
  ok(lines.includes("| free | 2 | 3 | 1,000 | 500 | $3.00 | – | 2 | – | – | 0 |"), brief);
  // left out of the trimmed file: o1, whose MRR is not known
  ok(brief.includes("(1 seat, MRR unknown). Counted in the trimmed file"));
  // o1 and o2 both without requests, o1's MRR unknown, o2's $0: seats 1 + 2
  const twoOut = briefMarkdown({
    data: {
      ...data,
      frame: frame.withColumns(
        pl.Series("requests_30d", [0, 0, 20_000, 100_000, 500_000], pl.Float64),
        pl.Series("mrr", [null, 0, 80, 40, null], pl.Float64),
      ),
    },
    exportFiles: [{ name: CSV, bytes: 30 * 1024 * 1024 }],
    trimmed: { name: trimmedName, bytes: 1024, rows: 3 },
  });
  ok(twoOut.includes(
    "left out are the 2 free organizations that sent no requests in the window, carry no revenue (MRR $0 or not fetched, no PTB revenue in the window) and share no Stripe customer with an organization the file keeps (3 seats, $0.00 known MRR, unknown for 1 of them).",
  ));
  // partly known: o4's MRR unknown; pro counts o3 only (MRR 80 > 0, margin 37.5 %)
  const partly = frame.withColumns(
    pl.Series("mrr", [0, 0, 80, null, null], pl.Float64),
    pl.Series("gross_margin_pct", [null, null, 37.5, null, null], pl.Float64),
  );
  const partlyLines = briefMarkdown({ data: { ...data, frame: partly }, exportFiles: [] })
    .split("\n");
  ok(partlyLines.includes("| organizations with MRR > 0, of those with known MRR | 1 |"));
  ok(partlyLines.includes("| pro | 2 | 6 | 120,000 | 60,000 | $350.00 | $80.00 | 1 | 1 | 0 | 2 |"));
  ok(
    partlyLines.includes(
      "| enterprise | 1 | 10 | 500,000 | 500,000 | $1,000.00 | – | 1 | – | – | 0 |",
    ),
  );
});

Deno.test("By tier: the known families first, then the rest alphabetically, (none) for no tier", () => {
  // o1 free, o2 none, o3 zeta, o4 pro, o5 none, o6 alpha: (none) sorts before the letters
  const mixed = exportFrameFromColumns({
    org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
    tier: ["free", null, "zeta", "pro", null, "alpha"],
    seats: [1, 2, 3, 4, 5, 6],
    requests_30d: [10, 20, 30, 40, 50, 60],
    llm_cost_30d: [1, 2, 3, 4, 5, 6],
    mrr: [0, 10, null, 20, 30, 0],
    is_ptb: [false, true, false, false, true, false],
  });
  const rows = tierSection(mixed).split("\n").slice(2);
  assertEquals(rows.map((row) => row.split(" | ")[0].slice(2)), [
    "free",
    "pro",
    "(none)",
    "alpha",
    "zeta",
  ]);
  // (none): o2 and o5: seats 7, requests 70, median 35, cost $7, MRR $40, both paying and is_ptb
  ok(
    rows.includes("| (none) | 2 | 7 | 70 | 35 | $7.00 | $40.00 | 0 | 2 | 0 | 2 |"),
    rows.join("\n"),
  );
  // zeta: its only MRR unknown
  ok(rows.includes("| zeta | 1 | 3 | 30 | 30 | $3.00 | – | 1 | – | – | 0 |"), rows.join("\n"));
});

Deno.test("By tier: a tier named (none) reads (none) plan, apart from the organizations with no tier", () => {
  // o1 "(none)" $10, o2 no tier $20: a row each, where the map kept one of them as "(none)"
  const named = exportFrameFromColumns({
    org_id: ["o1", "o2"],
    tier: ["(none)", null],
    seats: [1, 2],
    requests_30d: [10, 20],
    llm_cost_30d: [1, 2],
    mrr: [10, 20],
    is_ptb: [false, false],
  });
  const rows = tierSection(named).split("\n").slice(2);
  assertEquals(rows.map((row) => row.split(" | ").slice(0, 2).join(" | ").slice(2)), [
    "(none) | 1",
    "(none) plan | 1",
  ]);
  ok(rows.some((row) => row.startsWith("| (none) | 1 | 2 | 20 |")), rows.join("\n"));
  ok(rows.some((row) => row.startsWith("| (none) plan | 1 | 1 | 10 |")), rows.join("\n"));
});
