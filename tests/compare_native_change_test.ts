/**
 * lib/analysis/compare_native.ts nativeMrrChange by hand: which organizations count in which
 * billing currency, and which are left out (currency changed, amount unknown, a shared Stripe
 * customer's sibling row). Two small sides, minor units:
 *
 *   org  old                          new                          counts as
 *   a    EUR 1000                     EUR 2500                     EUR +1500
 *   f    " eur" 100                   EUR 200                      EUR +100 (the same code)
 *   c    USD 2000                     (not in the file)            USD −2000 (to 0)
 *   d    GBP 0                        GBP 700                      GBP +700 (from 0)
 *   b    "EUR,USD" 500                "EUR,USD" 600                unknown (several currencies)
 *   g    USD 100                      EUR 100                      currency changed
 *   e    USD 300                      USD 0, shared_customer       on a sibling row
 *   z    USD 0                        USD 0                        nothing (0 in both)
 *
 * USD first, then by code: USD 1 organization, 2000 → 0 (−2000); EUR 2 (a, f), 1100 → 2700
 * (+1600); GBP 1, 0 → 700 (+700). Left out: 1 changed, 1 unknown, 1 on a sibling row.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  nativeLeftOut,
  nativeMarkdown,
  nativeMrrChange,
  signedMinor,
} from "../lib/analysis/compare_native.ts";

type Org = [org: string, currency: string, minor: number, source?: string];

const side = (orgs: Org[]) => ({
  scan: pl.DataFrame({
    org_id: orgs.map((o) => o[0]),
    currency: orgs.map((o) => o[1]),
    mrr_recurring_minor: orgs.map((o) => o[2]),
    revenue_source: orgs.map((o) => o[3] ?? "stripe"),
  }).withColumns(pl.col("mrr_recurring_minor").cast(pl.Int64)).lazy(),
  siblings: true,
});

Deno.test("compare native: each organization counts in its billing currency, or is left out, by hand", () => {
  const old = side([
    ["a", "EUR", 1000],
    ["f", " eur", 100],
    ["c", "USD", 2000],
    ["d", "GBP", 0],
    ["b", "EUR,USD", 500],
    ["g", "USD", 100],
    ["e", "USD", 300],
    ["z", "USD", 0],
  ]);
  const newer = side([
    ["a", "EUR", 2500],
    ["f", "EUR", 200],
    ["d", "GBP", 700],
    ["b", "EUR,USD", 600],
    ["g", "EUR", 100],
    ["e", "USD", 0, "shared_customer"],
    ["z", "USD", 0],
  ]);
  assertEquals(nativeMrrChange(old, newer), {
    byCurrency: [
      { currency: "USD", organizations: 1, old_minor: 2000, new_minor: 0, change_minor: -2000 },
      { currency: "EUR", organizations: 2, old_minor: 1100, new_minor: 2700, change_minor: 1600 },
      { currency: "GBP", organizations: 1, old_minor: 0, new_minor: 700, change_minor: 700 },
    ],
    currencyChanged: 1,
    unknown: 1,
    onSibling: 1,
  });
});

Deno.test("compare native: a change is signed, a zero change is not (+€90.00, -¥1,500, €0.00)", () => {
  assertEquals(
    [signedMinor(9000, "EUR"), signedMinor(-1500, "JPY"), signedMinor(0, "EUR")],
    ["+€90.00", "-¥1,500", "€0.00"],
  );
});

/**
 * Amounts the kit's own snapshots never hold (whole Int64 minor units) but another writer's might:
 * a change of 0.4 cents rounds to no minor unit and reads €0.00 unsigned, as signedUsd writes $0.00;
 * one not known reads "–". Before, the table cell took the prefix for a sign ("€€.00"), signedMinor
 * wrote "+€0.00" and "+–", and the cell of an unknown amount lost its mark ("SEK ").
 */
Deno.test("compare native: an amount that rounds to zero or is not known, in a cell and signed", () => {
  assertEquals(
    [signedMinor(0.4, "EUR"), signedMinor(-0.4, "EUR"), signedMinor(Infinity, "SEK")],
    ["€0.00", "€0.00", "–"],
  );
  const table = nativeMarkdown({
    change: {
      byCurrency: [
        {
          currency: "EUR",
          organizations: 1,
          old_minor: 1000.4,
          new_minor: 1000,
          change_minor: -0.4,
        },
        { currency: "CHF", organizations: 1, old_minor: 500, new_minor: 500.3, change_minor: 0.3 },
        { currency: "SEK", organizations: 1, old_minor: 500, new_minor: NaN, change_minor: NaN },
      ],
      currencyChanged: 0,
      unknown: 0,
      onSibling: 0,
    },
  }).join("\n").split("\n").filter((line) => /^\| (EUR|CHF|SEK) \|/.test(line));
  assertEquals(table, [
    "| EUR | 1 | €10.00 | €10.00 | €0.00 |",
    "| CHF | 1 | CHF 5.00 | CHF 5.00 | CHF 0.00 |",
    "| SEK | 1 | SEK 5.00 | – | – |",
  ]);
});

Deno.test("compare native: a sibling row in one file, its amount unknown in the other, is on a sibling row", () => {
  // s: shared_customer in the old file (its amount on the paying row), not known in the new one
  const old = side([["s", "USD", 0, "shared_customer"]]);
  const newer = {
    scan: pl.DataFrame({
      org_id: ["s"],
      currency: ["USD"],
      mrr_recurring_minor: pl.Series("mrr_recurring_minor", [null], pl.Int64),
      revenue_source: ["stripe"],
    }).lazy(),
    siblings: true,
  };
  assertEquals(nativeMrrChange(old, newer), {
    byCurrency: [],
    currencyChanged: 0,
    unknown: 0,
    onSibling: 1,
  });
});

Deno.test("compare native: who is left out names only the causes there are", () => {
  const none = { byCurrency: [], currencyChanged: 0, unknown: 0, onSibling: 0 };
  assertEquals(nativeLeftOut(none), null);
  assertEquals(
    nativeLeftOut({ ...none, onSibling: 2 }),
    "not counted in any currency: 2 on a shared Stripe customer's sibling row in one file (the customer's amount is on its paying organization's row) (their USD change is in mrr_recurring's, converted at each file's FX rates)",
  );
});
