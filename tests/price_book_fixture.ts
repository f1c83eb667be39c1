/**
 * What tests/mcp_economics_*_test.ts share: a renamed and repriced copy of the shipped price book,
 * and a demo export made with a price book.
 */
import { join } from "node:path";
import { demoExport } from "./demo_export_fixture.ts";
import { ROOT } from "./mcp_client.ts";

/** The shipped price book with every plan renamed " [test]" and legacy Pro at $25 a seat. */
export async function testPriceBook(dir: string): Promise<{ path: string; names: string[] }> {
  const book = JSON.parse(
    await Deno.readTextFile(join(ROOT, "scenarios/current_seat_based.json")),
  ) as { name: string; plans: { name: string; perSeatUsd?: number }[] };
  book.name = "test_book";
  for (const plan of book.plans) {
    if (plan.name === "pro (seat, legacy)") plan.perSeatUsd = 25;
    plan.name = `${plan.name} [test]`;
  }
  const path = join(dir, "test_book.json");
  await Deno.writeTextFile(path, JSON.stringify(book, null, 2));
  return { path, names: book.plans.map((p) => p.name) };
}

/** A demo export into `dir` made with the price book `book` names (PRICING_PRICE_BOOK). */
export function demoExportWithBook(dir: string, book: string) {
  return demoExport(dir, { env: { PRICING_PRICE_BOOK: book } });
}
