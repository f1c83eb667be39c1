/** The data dictionary as Markdown, generated from the column table (docs/columns.md, brief). */
import { COLUMNS, unitInWords } from "../frame/columns.ts";
import { markdownCell } from "../formats/markdown.ts";

export function dictionaryMarkdown(): string {
  const lines = [
    "| # | column | type | unit | source | formula | description |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...COLUMNS.map((c, i) =>
      `| ${i + 1}${c.spec ? "" : "+"} | \`${c.name}\` | ${c.type} | ${
        unitInWords(c.unit)
      } | ${c.source} | ${markdownCell(c.formula)} | ${markdownCell(c.description)} |`
    ),
  ];
  return lines.join("\n");
}

const START = "<!-- columns:start -->";
const END = "<!-- columns:end -->";

/** docs/columns.md with the columns section replaced by the generated table. */
export function withColumnsSection(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/columns.md lacks ${START} … ${END}`);
  const intro =
    "Generated from `lib/frame/columns.ts` (`deno task docs`). Numbers 1–24 are the spec's columns in the spec's order; `+` marks the kit's extras, which follow them.";
  return `${readme.slice(0, start)}${START}\n${intro}\n\n${dictionaryMarkdown()}\n${
    readme.slice(end)
  }`;
}

if (import.meta.main) {
  const path = new URL("../../docs/columns.md", import.meta.url);
  await Deno.writeTextFile(path, withColumnsSection(await Deno.readTextFile(path)));
}
