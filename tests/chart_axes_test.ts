/** lib/report/chart_axes.ts: log axes' domains and ticks, worked out by hand. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { logTicks } from "../lib/report/chart_axes.ts";

Deno.test("log ticks: from a tick at or below the lowest value to one at or above the highest", () => {
  const counts = { counts: true };
  const money = { counts: false };
  // within a decade every mantissa: 79 … 200 → 70 … 200
  assertEquals(logTicks([79, 200], money), {
    domain: [70, 200],
    ticks: [70, 80, 90, 100, 200],
  });
  // one value on a tick value: a step each way, so the dot is not on the frame
  assertEquals(logTicks([200, 200], money), { domain: [100, 300], ticks: [100, 200, 300] });
  // 1 to 3 requests: whole numbers (d3 read 1, 1.2, 1.4 … 3)
  assertEquals(logTicks([1, 3], counts), { domain: [1, 3], ticks: [1, 2, 3] });
  // 79 … 3,000 is 1.6 decades: 1-2-5 from 50 to 5,000
  assertEquals(logTicks([79, 3000], money).ticks, [50, 100, 200, 500, 1000, 2000, 5000]);
  // cents: $0.012 … $0.3 → 0.01 … 0.5, without float error (0.3, not 0.30000000000000004)
  assertEquals(logTicks([0.012, 0.3], money).ticks, [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
  // 500 … 1,000,000 (3.3 decades): 1 and 3
  assertEquals(logTicks([500, 1e6], counts).ticks, [300, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6]);
  // 0.005 … 50,000 (7 decades and more): decades
  assertEquals(logTicks([0.005, 50_000], money), {
    domain: [0.001, 100_000],
    ticks: [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10_000, 100_000],
  });
  // a count axis has no tick below one request, though its domain may reach there
  assertEquals(logTicks([0.5, 20], counts).ticks, [1, 2, 5, 10, 20]);
});
