/**
 * A snapshot is named as without subscription_status when any of its paying (or paused) customers
 * has none, not only when all of them lack it: one backfilled customer among exported ones still
 * cannot have its pause told from churn (mutation probe survivor: "any has a status" passed).
 *
 *              Feb 01                Mar 01
 *   A  pro   100.00 active         100.00 active
 *   B  pro    50.00 (no status)     50.00 active
 *   C  free    0    (no status)      0    (no status)   never pays: not counted either way
 *
 * Apr 01: nobody pays (A and B at 0, no status): no paying customer lacks a status, so it is not
 * named either (a snapshot with none to tell is not one "without status").
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { bridgeOfSources } from "../lib/history/aggregate.ts";
import { statusSnapshot } from "./fixtures/history.ts";

Deno.test("withoutStatus names a snapshot where one paying customer has no subscription_status", () => {
  const bridge = bridgeOfSources([
    statusSnapshot("2026-02-01", [
      ["A", "pro", 100, "active"],
      ["B", "pro", 50, null],
      ["C", "free", 0, null],
    ]),
    statusSnapshot("2026-03-01", [
      ["A", "pro", 100, "active"],
      ["B", "pro", 50, "active"],
      ["C", "free", 0, null],
    ]),
    statusSnapshot("2026-04-01", [
      ["A", "pro", 0, null],
      ["B", "pro", 0, null],
      ["C", "free", 0, null],
    ]),
  ]);
  // Feb: B pays without a status; Mar: every paying customer has one (C pays nothing); Apr: none
  // pays
  assertEquals(bridge.withoutStatus, ["2026-02-01"]);
});
