/**
 * The bridge's cents are the MRR rounded to the cent, not cut: 19.99 × 100 is 1998.9999999999998
 * and 4.35 × 100 is 434.99999999999994 in binary floating point, so a cast alone read them as
 * 1998 and 434 (mutation probe survivor). Both the long frame's bridge and the one built a
 * snapshot at a time (aggregate.ts) are checked.
 *
 *            Jan 31     Feb 28
 *   A  pro   19.99      19.99     kept
 *   B  pro    4.35       0        churn 435
 *   C  team   0          2.01     new 201 (2.01 × 100 = 200.99999999999997)
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { companyBridge, historyLong } from "../lib/history/bridge.ts";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { snapshot } from "./fixtures/history.ts";

const POINTS = [
  snapshot("2026-01-31", [
    ["A", "pro", 19.99, 100, 0],
    ["B", "pro", 4.35, 10, 0],
    ["C", "team", 0, 5, 0],
  ]),
  snapshot("2026-02-28", [
    ["A", "pro", 19.99, 100, 0],
    ["B", "pro", 0, 10, 0],
    ["C", "team", 2.01, 5, 0],
  ]),
];

const EXPECTED = {
  month: "2026-02-28",
  start_cents: 2434, // 1999 + 435
  new_cents: 201, // C
  churn_cents: 435, // B
  end_cents: 2200, // 1999 + 201
};

const pick = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, row[name]]));

Deno.test("bridge cents: MRR rounded to the cent (19.99 is 1999, 4.35 is 435, 2.01 is 201)", () => {
  const [long] = companyBridge(historyLong(POINTS)).toRecords() as Record<string, unknown>[];
  assertEquals(pick(long), EXPECTED);
  const [streamed] = bridgeOfSources(POINTS).company.toRecords() as Record<string, unknown>[];
  assertEquals(pick(streamed), EXPECTED);
});
