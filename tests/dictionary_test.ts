import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { COLUMNS } from "../lib/frame/columns.ts";
import { dictionaryMarkdown, withColumnsSection } from "../lib/report/dictionary.ts";

Deno.test("the dictionary has a row for every column, in order", () => {
  const rows = dictionaryMarkdown().split("\n").slice(2);
  assertEquals(rows.length, COLUMNS.length);
  rows.forEach((row, i) => ok(row.includes(`\`${COLUMNS[i].name}\``), row));
});

/** Markdown up to deno fmt's layout: whitespace, table padding and rule lengths. */
function normalise(markdown: string): string {
  return markdown.replace(/\s+/g, " ").replace(/ ?\| ?/g, "|").replace(/-{3,}/g, "---");
}

Deno.test("docs/columns.md's columns section is the generated one (run `deno task docs` after editing columns)", async () => {
  const readme = await Deno.readTextFile(new URL("../docs/columns.md", import.meta.url));
  assertEquals(normalise(readme), normalise(withColumnsSection(readme)));
});
