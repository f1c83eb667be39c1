/**
 * The questions notebook reading an export file (csvPath) says what the export's manifest warned
 * of, as the brief did: its warnings (escaped), the unmapped Stripe customers' MRR in the brief's
 * words; nothing more when it records none; a file without a manifest says so in one line.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { loadQuestionsFrame, sourceDisplays } from "../lib/notebooks/questions_page.ts";
import { mimeBundle } from "../lib/report/display.ts";
import {
  demoExportIn,
  MANIFEST_NAME,
  UNMAPPED_BRIEF_LINE,
  withUnmappedCustomers,
} from "./fixtures/manifest_warnings.ts";

/** The loading cell's outputs, as the Markdown written (text/plain: \$ unescaped). */
async function loadingCell(csvPath: string): Promise<string[]> {
  const source = await loadQuestionsFrame({ asOf: new Date(), csvPath });
  return sourceDisplays(source).map((shown) => String(mimeBundle(shown)["text/plain"]));
}

Deno.test("questions from an export file: its manifest's warnings, escaped, and the unmapped customers' MRR in the brief's words", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_record_" });
  try {
    const exported = await demoExportIn(dir);
    // the demo run's own manifest: its three warnings (no infrastructure cost; free plan's PTB
    // cost; unbilled metered usage) and unmapped customers recorded as none
    const demoWarnings = exported.manifest.warnings as string[];
    assertEquals(demoWarnings.length, 3);
    ok(demoWarnings[0].startsWith("infrastructure cost not set"), demoWarnings[0]);
    ok(demoWarnings[1].startsWith("metered usage not billed: "), demoWarnings[1]);
    const plain = await loadingCell(exported.csvPath);
    assertEquals(plain.length, 2, plain.join("\n"));
    ok(plain[0].startsWith("400 organizations from **Demo data**"), plain[0]);
    assertEquals(plain[1].split("\n").slice(0, 2), [
      `**Warnings the export's manifest \`${MANIFEST_NAME}\` lists** (as its brief showed them):`,
      "",
    ]);
    assertEquals(plain[1].split("\n").length, 5);
    ok(plain[1].includes("- infrastructure cost not set: `company_cost_30d` counts"), plain[1]);
    ok(!plain.join("\n").includes("Not in these totals"), "none unmapped: nothing said");

    const warnings = await withUnmappedCustomers(exported);
    assertEquals(warnings.length, 5);
    const shown = await loadingCell(exported.csvPath);
    // the count, the brief's line, then the warnings: the run's own on the unmapped customers
    // left out (the line above carries the same figures), the hostile one as text
    assertEquals(shown.length, 3, shown.join("\n"));
    assertEquals(shown[1], UNMAPPED_BRIEF_LINE);
    const listed = shown[2].split("\n").slice(2);
    assertEquals(listed.length, 4);
    ok(!shown[2].includes("map them to an organization"), shown[2]);
    // escapeMarkdown's: no tag, no emphasis, no link
    assertEquals(
      listed[3],
      '- organization "&lt;img src=x onerror=alert(1)> \\*\\*B\\*\\* \\[x\\](javascript:alert(2))" has no seats',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("questions from an export file without a manifest, or a damaged one: one line says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_record_" });
  try {
    const exported = await demoExportIn(dir);
    // handed on alone, renamed: no manifest beside it
    const alone = join(dir, "pricing.csv");
    await Deno.copyFile(exported.csvPath, alone);
    const lines = await loadingCell(alone);
    assertEquals(lines.slice(1), [
      "**No manifest** beside this file (`pricing.manifest.json`): the export's warnings and the MRR of Stripe customers no organization maps to are not known here; keep the manifest beside it.",
    ]);
    // cut short
    await Deno.writeTextFile(exported.manifestPath, '{"kit": "pricing-kit", "warn');
    assertEquals((await loadingCell(exported.csvPath)).slice(1), [
      `**The manifest \`${MANIFEST_NAME}\` is damaged** (not the kit's JSON): the export's warnings and the MRR of Stripe customers no organization maps to are not known here.`,
    ]);
    // its warnings edited into no list of text: said, the rest still read
    await Deno.writeTextFile(
      exported.manifestPath,
      JSON.stringify({ ...exported.manifest, warnings: "none" }),
    );
    assertEquals((await loadingCell(exported.csvPath)).slice(1), [
      `**The manifest \`${MANIFEST_NAME}\` is damaged:** its \`warnings\` is not a list of text, not shown.`,
    ]);
    // a manifest with no warnings and none unmapped: the count alone
    await Deno.writeTextFile(
      exported.manifestPath,
      JSON.stringify({ ...exported.manifest, warnings: [] }),
    );
    assertEquals((await loadingCell(exported.csvPath)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
