/** Column readers and the per-plan rows shared by the economics tests (tests/economics_*_test.ts). */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type pl from "nodejs-polars";
import { loadPriceBook } from "../lib/economics/mod.ts";

export const column = (frame: pl.DataFrame, name: string) =>
  frame.getColumn(name).toArray() as unknown[];

export function closeList(actual: unknown[], expected: (number | null)[], what: string) {
  assertEquals(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as number | null;
    if (e === null) assertEquals(a, null, `${what}[${i}]`);
    else ok(a !== null && Math.abs(a - e) < 1e-9, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

/** The per-plan rows of a frame in the built-in price book's order. */
export async function planRows(frame: pl.DataFrame) {
  const { perPlanRows, perPlanTable } = await import("../lib/economics/per_plan.ts");
  const order = (await loadPriceBook()).scenario.plans.map((p) => p.name);
  return perPlanRows(perPlanTable(frame, { windowDays: 30, planOrder: order }));
}
