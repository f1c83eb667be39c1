/**
 * The economics probe's price book as the "current pricing" scenario (`deno task scenario`) on the
 * probe's export (tests/economics_unusual_fixture.ts): its verdicts (who pays more or less than
 * the book, per plan) and company margins, worked out by hand from the fixture rows.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";
import { probeExport } from "./economics_unusual_fixture.ts";

Deno.test("economics probe: the price book priced as a scenario on the probe's export, its verdicts by hand", async () => {
  const { result, outDir } = await probeExport();
  const book = join(outDir, "probe_book.json");
  const out = await Deno.makeTempDir({ prefix: "econ_unusual_scenario_" });
  const before = Deno.env.get("PRICING_PRICE_BOOK");
  Deno.env.set("PRICING_PRICE_BOOK", book);
  const captured = captureConsole();
  let code: number;
  try {
    code = await scenarioMain([book, "--input", result.csvPath!, "--out-dir", out]);
  } finally {
    captured.restore();
    if (before === undefined) Deno.env.delete("PRICING_PRICE_BOOK");
    else Deno.env.set("PRICING_PRICE_BOOK", before);
  }
  try {
    assertEquals(code, 0, captured.errors.join("\n"));
    // E's team has no plan: priced 0 USD, and said so
    ok(
      captured.errors.some((line) =>
        line.includes("1 organization matches no plan and is priced $0")
      ),
      captured.errors.join("\n"),
    );
    const report = [...Deno.readDirSync(out)].find((e) => e.name.endsWith(".md"))!;
    const lines = Deno.readTextFileSync(join(out, report.name)).split("\n");
    const rows = (first: string) => lines.filter((line) => line.startsWith(`| ${first} |`));
    // the book: A 20, C 79, D 40, E 0 (no plan), F 79 + G 0, H 80, I 79, K 20, L 20 (2 × 5 +
    // 1,000 requests at 10 per 1,000), B as billed (0), J 0: 417 against 664
    assertEquals(rows("proposed MRR"), ["| proposed MRR | $417.00 |"]);
    assertEquals(rows("change"), ["| change | -$247.00 (-37.2 %) |"]);
    // I pays more (78 → 79: its 12,000 JPY at 0.0065); E (200 → 0), H (88 → 80: 4 × 20 EUR at
    // 1.1 against 4 × 20 USD) and L (60 → 20) less; the other 8 the same
    assertEquals(rows("organizations paying more"), ["| organizations paying more | 1 |"]);
    assertEquals(rows("organizations paying less"), ["| organizations paying less | 3 |"]);
    // company margin: (664 + 19.75 − 332.9) / 683.75 = 51.3 %; (417 + 19.75 − 332.9) / 436.75
    // = 23.8 %
    assertEquals(rows("company margin"), ["| company margin | 51.3 % | 23.8 % (-27.5 points) |"]);
    // per plan, company margin then MRR: Pro 2025-12-10 (236 + 9.75 − 17.6) / 245.75 = 92.8 %,
    // (237 + 9.75 − 17.6) / 246.75 = 92.9 %; legacy pro (168 + 10 − 6.6) / 178 = 96.3 %,
    // (160 + 10 − 6.6) / 170 = 96.1 %, both upper bounds (D's 100 requests without a cost)
    assertEquals(rows("Pro 2025-12-10"), [
      "| Pro 2025-12-10 | 4 | 0 | $17.60 | 92.8 % | 92.9 % | 0.0 points | 0 |",
      "| Pro 2025-12-10 | 4 | $236.00 | $237.00 | +$1.00 | +0.4 % | 1 | 0 | 3 | 0 | 0 |",
    ]);
    assertEquals(rows("pro (seat, legacy)"), [
      "| pro (seat, legacy) | 4 | 0 | $6.60 | ≤ 96.3 % | ≤ 96.1 % | -0.2 points | 100 |",
      "| pro (seat, legacy) | 4 | $168.00 | $160.00 | -$8.00 | -4.8 % | 0 | 1 | 3 | 0 | 0 |",
    ]);
    assertEquals(rows("growth (graduated)"), [
      "| growth (graduated) | 1 | 0 | $2.00 | 96.7 % | 90.0 % | -6.7 points | 0 |",
      "| growth (graduated) | 1 | $60.00 | $20.00 | -$40.00 | -66.7 % | 0 | 1 | 0 | 0 | 0 |",
    ]);
    assertEquals(rows("(none)"), [
      "| (none) | 1 | 0 | $302.00 | -51.0 % | – | – | 0 |",
      "| (none) | 1 | $200.00 | $0.00 | -$200.00 | -100.0 % | 0 | 1 | 0 | 0 | 0 |",
    ]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
