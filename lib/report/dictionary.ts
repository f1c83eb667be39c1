/** The data dictionary as Markdown, generated from the column table (docs/columns.md, brief). */
import {
  COLUMN_NOTES,
  type ColumnDef,
  COLUMNS,
  SNAPSHOT_ONLY_COLUMNS,
  unitInWords,
} from "../frame/columns.ts";
import { asOfEffectGroups, withoutAsOfEffect } from "../frame/as_of.ts";
import { markdownCell } from "../formats/markdown.ts";

/**
 * The column table, then the column notes descriptions point to. `asOfApart` (the brief's): each
 * description without its as-of sentence, and under the table each distinct as-of sentence once
 * with the columns it applies to (nine columns share one), as describe_dataset says them;
 * docs/columns.md, the XLSX sheet and pricing://dictionary keep it per column.
 */
export function dictionaryMarkdown(options: { asOfApart?: boolean } = {}): string {
  const apart = options.asOfApart === true;
  const lines = [
    "| # | column | type | unit | source | formula | description |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...COLUMNS.map((c, i) => columnRow(c, `${i + 1}${c.spec ? "" : "+"}`, { apart })),
  ];
  if (apart) lines.push("", ...asOfGroups());
  lines.push(
    "",
    "Column notes (a description says `column note NAME`):",
    "",
    ...COLUMN_NOTES.map((n) => `- \`${n.name}\`: ${n.text}`),
  );
  return lines.join("\n");
}

/** A column's row of the dictionary, numbered `number`. */
function columnRow(
  c: ColumnDef,
  number: string,
  { apart = false }: { apart?: boolean } = {},
): string {
  return `| ${number} | \`${c.name}\` | ${c.type} | ${unitInWords(c.unit)} | ${c.source} | ${
    markdownCell(c.formula)
  } | ${markdownCell(apart ? withoutAsOfEffect(c.name, c.description) : c.description)} |`;
}

/**
 * The columns history snapshots store besides the export's (docs/columns.md, under the export's):
 * numbered on from them, as a snapshot's Parquet file holds them.
 */
function snapshotOnlyMarkdown(): string {
  return [
    "History snapshots (docs/history.md) store every column above and, after them, these, which no export file has:",
    "",
    "| # | column | type | unit | source | formula | description |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...SNAPSHOT_ONLY_COLUMNS.map((c, i) => columnRow(c, `${COLUMNS.length + i + 1}s`)),
  ].join("\n");
}

/** Each distinct as-of sentence once, after the columns it applies to, in file order. */
function asOfGroups(): string[] {
  return [
    "What the as-of (Scope) does to each column, when it is earlier than the export's run:",
    "",
    ...asOfEffectGroups(COLUMNS.map((c) => c.name)).map(({ effect, columns }) =>
      `- ${columns.map((name) => `\`${name}\``).join(", ")}: ${effect}`
    ),
  ];
}

const START = "<!-- columns:start -->";
const END = "<!-- columns:end -->";

/** docs/columns.md with the columns section replaced by the generated table. */
export function withColumnsSection(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/columns.md lacks ${START} … ${END}`);
  const intro =
    "Generated from `lib/frame/columns.ts` (`deno task docs`). Numbers 1–24 are the spec's columns in the spec's order; `+` marks the kit's extras, which follow them. Columns named `_30d` cover the export window, `[as-of − N × 24 h, as-of)` in UTC: N is 30 unless `--days` says otherwise, the as-of is when the export ran unless `--as-of` says otherwise, and the window is no calendar month. An empty cell means what the column's description says (unknown, not applicable, or carried on another organization's row).";
  return `${
    readme.slice(0, start)
  }${START}\n${intro}\n\n${dictionaryMarkdown()}\n\n${snapshotOnlyMarkdown()}\n${
    readme.slice(end)
  }`;
}

if (import.meta.main) {
  const path = new URL("../../docs/columns.md", import.meta.url);
  await Deno.writeTextFile(path, withColumnsSection(await Deno.readTextFile(path)));
}
