/**
 * Two empty snapshots in a row (no organizations: an outage's export, a wiped test database) add
 * no bridge row of their own: the bridge built a snapshot at a time (aggregate.ts) is the long
 * frame's, where a pair with no organization on either side has no customer to move (mutation
 * probe survivor: a made-up row of zeros for that pair passed).
 *
 *            Jan 31    Feb 28    Mar 31    Apr 30
 *   A  pro   10.00     (none)    (none)    20.00
 *
 * Feb: A gone, churn 1000 from a start of 1000; Mar: nothing on either side, no row; Apr: A back,
 * reactivation 2000, end 2000.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { companyBridge, historyLong } from "../lib/history/bridge.ts";
import { snapshot } from "./fixtures/history.ts";

const POINTS = [
  snapshot("2026-01-31", [["A", "pro", 10, 1, 0]]),
  snapshot("2026-02-28", []),
  snapshot("2026-03-31", []),
  snapshot("2026-04-30", [["A", "pro", 20, 1, 0]]),
];

Deno.test("bridge: a pair of empty snapshots adds no row; the streamed bridge is the long frame's", () => {
  const bridge = bridgeOfSources(POINTS);
  // the months with organizations only (mutation probe survivor: the empty ones listed too)
  assertEquals(bridge.months, ["2026-01-31", "2026-04-30"]);
  const streamed = bridge.company;
  const long = companyBridge(historyLong(POINTS));
  ok(streamed.frameEqual(long, true), `${streamed}\n${long}`);
  const rows = streamed.select("start_cents", "churn_cents", "reactivation_cents").toRecords();
  assertEquals(rows, [
    { start_cents: 1000, churn_cents: 1000, reactivation_cents: 0 }, // Feb: A 10.00 gone
    { start_cents: 0, churn_cents: 0, reactivation_cents: 2000 }, // Apr: A back at 20.00
  ]);
});
