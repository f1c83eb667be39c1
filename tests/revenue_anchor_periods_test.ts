/**
 * When the invoice billing a metered price's period under way is created, from its last closed
 * period and the subscription's `billing_cycle_anchor` (status_at.ts cycleOfPricePeriod, then
 * usageInvoicedAt): anchors on the 28th to the 31st, leap years, monthly, quarterly, yearly and
 * weekly prices. Each next invoice worked out by hand from Stripe's rule: periods step from the
 * anchor by calendar months, keeping its day, cut to a shorter month's last day.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { cycleOfPricePeriod, usageInvoicedAt } from "../lib/revenue/status_at.ts";

const at = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;
const iso = (seconds: number | null) =>
  seconds === null ? null : new Date(seconds * 1000).toISOString().slice(0, 10);

type Interval = "day" | "week" | "month" | "year";

/** The next usage invoice a day after the closed period [from, to) ended. */
function nextInvoice(
  { anchor, day, from, to, interval = "month", count = 1 }: {
    anchor: string | null;
    /** billing_cycle_anchor_config's day_of_month, later than the anchor's day */
    day?: number;
    /** null: a line with no period start */
    from: string | null;
    to: string;
    interval?: Interval;
    count?: number;
  },
): string | null {
  const recurring = { interval, interval_count: count };
  const cycle = cycleOfPricePeriod({
    subscription: {
      billing_cycle_anchor: anchor === null ? null : at(anchor),
      ...(day === undefined ? {} : { billing_cycle_anchor_day: day }),
    },
    period: { start: from === null ? null : at(from), end: at(to) },
    recurring,
  });
  return iso(usageInvoicedAt(cycle, {
    recurring,
    asOfSeconds: at(to) + 86_400,
  }));
}

Deno.test("monthly periods from anchors on the 28th to the 31st keep the anchor's day, cut to a short month's last", () => {
  const cases: [string, string, string, string][] = [
    // anchor, closed period, next invoice
    ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"],
    ["2026-01-31", "2026-03-31", "2026-04-30", "2026-05-31"],
    ["2024-01-31", "2024-01-31", "2024-02-29", "2024-03-31"], // a leap February
    ["2026-01-30", "2026-01-30", "2026-02-28", "2026-03-30"],
    ["2024-01-30", "2024-01-30", "2024-02-29", "2024-03-30"],
    ["2025-01-29", "2025-01-29", "2025-02-28", "2025-03-29"],
    ["2024-01-29", "2024-01-29", "2024-02-29", "2024-03-29"],
    ["2025-01-28", "2025-02-28", "2025-03-28", "2025-04-28"],
  ];
  for (const [anchor, from, to, next] of cases) {
    assertEquals([anchor, nextInvoice({ anchor, from, to })], [anchor, next]);
  }
});

Deno.test("quarterly periods whose dates were both cut run on the anchor's day", () => {
  const quarter = (anchor: string | null, from: string, to: string) =>
    nextInvoice({ anchor, from, to, count: 3 });
  // November 30 – February 28 from the 31st, the 30th: the same dates, two next invoices
  assertEquals(quarter("2025-08-31", "2025-11-30", "2026-02-28"), "2026-05-31");
  assertEquals(quarter("2025-08-30", "2025-11-30", "2026-02-28"), "2026-05-30");
  // a leap February: from the 31st, the 29th
  assertEquals(quarter("2023-08-31", "2023-11-30", "2024-02-29"), "2024-05-31");
  assertEquals(quarter("2023-11-29", "2023-11-29", "2024-02-29"), "2024-05-29");
  // without the anchor, the dates cannot tell the 31st from the 30th: read from the start's day
  assertEquals(quarter(null, "2025-11-30", "2026-02-28"), "2026-05-30");
});

Deno.test("yearly periods from February 29 come back to it in leap years", () => {
  const year = (anchor: string | null, from: string, to: string) =>
    nextInvoice({ anchor, from, to, interval: "year" });
  // 2026-02-28 – 2027-02-28: next February 29, 2028 (off the dates alone: the 28th)
  assertEquals(year("2024-02-29", "2026-02-28", "2027-02-28"), "2028-02-29");
  assertEquals(year(null, "2026-02-28", "2027-02-28"), "2028-02-28");
  assertEquals(year("2024-02-29", "2027-02-28", "2028-02-29"), "2029-02-28");
});

Deno.test("weekly periods step seven days from the anchor", () => {
  // anchored Thursday October 1, 2026: October 22 – 29, next November 5; every two weeks,
  // October 15 – 29, next November 12
  assertEquals(
    nextInvoice({ anchor: "2026-10-01", from: "2026-10-22", to: "2026-10-29", interval: "week" }),
    "2026-11-05",
  );
  assertEquals(
    nextInvoice({
      anchor: "2026-10-01",
      from: "2026-10-15",
      to: "2026-10-29",
      interval: "week",
      count: 2,
    }),
    "2026-11-12",
  );
});

Deno.test("a first stretch ending at the anchor runs on the anchor's day, not its start's", () => {
  // started March 31, anchored on April 30 (the 30th): next May 30, not 31
  assertEquals(
    nextInvoice({ anchor: "2026-04-30", from: "2026-03-31", to: "2026-04-30" }),
    "2026-05-30",
  );
  // started January 31, anchored on February 28 (the 28th): next March 28, not 31
  assertEquals(
    nextInvoice({ anchor: "2026-02-28", from: "2026-01-31", to: "2026-02-28" }),
    "2026-03-28",
  );
});

Deno.test("a period off the anchor's cycle (an anchor reset since) is read off its own dates", () => {
  // anchor reset to February 10 (an interval change): August 31 – September 30 runs on from the
  // 31st its start shows, to October 31
  assertEquals(
    nextInvoice({ anchor: "2026-02-10", from: "2026-08-31", to: "2026-09-30" }),
    "2026-10-31",
  );
  // a period that ended before the anchor, not the first stretch: its own dates too
  assertEquals(
    nextInvoice({ anchor: "2026-10-15", from: "2026-08-31", to: "2026-09-30" }),
    "2026-10-31",
  );
});

Deno.test("an anchor configured for the 31st and cut to a short month's last day keeps the 31st", () => {
  // made February 10 with day_of_month 31: anchored February 28; its first stretch ends there,
  // then March 31, April 30, May 31 (from the anchor's own day: March 28)
  const configured = (from: string, to: string) =>
    nextInvoice({ anchor: "2026-02-28", day: 31, from, to });
  assertEquals(configured("2026-02-10", "2026-02-28"), "2026-03-31");
  assertEquals(configured("2026-03-31", "2026-04-30"), "2026-05-31");
  assertEquals(
    nextInvoice({ anchor: "2026-02-28", from: "2026-02-10", to: "2026-02-28" }),
    "2026-03-28",
  );
  // yearly, day_of_month 31 in February made in 2026: February 28, 2027, February 29, 2028
  assertEquals(
    nextInvoice({
      anchor: "2026-02-28",
      day: 31,
      from: "2026-02-28",
      to: "2027-02-28",
      interval: "year",
    }),
    "2028-02-29",
  );
});

Deno.test("a configured day of the month on a weekly price is no part of its weeks; on a yearly one, February 29 in leap years only", () => {
  // anchored Saturday October 31, 2026 with day_of_month 31 (Stripe sets it on months and years
  // only): November 7 – 14, next November 21, not a month end
  assertEquals(
    nextInvoice({
      anchor: "2026-10-31",
      day: 31,
      from: "2026-11-07",
      to: "2026-11-14",
      interval: "week",
    }),
    "2026-11-21",
  );
  // day_of_month 29 in February made in 2027: February 28, 2027, February 29, 2028, then the
  // 28th again in 2029
  const year = (from: string, to: string) =>
    nextInvoice({ anchor: "2027-02-28", day: 29, from, to, interval: "year" });
  assertEquals(year("2027-02-28", "2028-02-29"), "2029-02-28");
  assertEquals(year("2026-06-01", "2027-02-28"), "2028-02-29");
});

Deno.test("a closed period with no start runs on the anchor's day when it ends on its cycle, else from its end", () => {
  // anchored January 31: periods end February 28, March 31. Ending February 28 it is on the
  // cycle: next March 31 (from its end's day, March 28)
  assertEquals(nextInvoice({ anchor: "2026-01-31", from: null, to: "2026-02-28" }), "2026-03-31");
  // ending February 20, inside January 31 – February 28: nothing says it starts on the cycle (a
  // threshold's line is one when its start is), so a month on from its end, March 20 (on the
  // cycle: February 28)
  assertEquals(nextInvoice({ anchor: "2026-01-31", from: null, to: "2026-02-20" }), "2026-03-20");
});
