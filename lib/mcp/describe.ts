/**
 * describe_dataset's answer: what the data is, its warnings, economics, columns and history
 * snapshots, in both channels within its cap (at least DESCRIBE_MIN_BYTES). structuredContent
 * defines every column in full; the text gives each one's name, type, unit and first sentence,
 * and the as-of groups in a few words with their columns (both in full took ~66 KB on the demo
 * export, past the 64 KB default: the text was cut, and the warnings, last in it, lost). The
 * warnings come before the columns in the text, so whatever has to give comes after them: the
 * snapshots grow by one a day and a month end a month, kept, so
 * when the whole no longer fits the newest that fit are listed with how many there are, then the
 * text's column lines are left out from the last, saying how many and where each is defined.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { nounFor } from "../core/words.ts";
import { COLUMN_NOTES, COLUMNS } from "../frame/columns.ts";
import { AS_OF_GIST, asOfEffectGroups, withoutAsOfEffect } from "../frame/as_of.ts";
import type { DatasetStore } from "./dataset.ts";
import { type DatasetEconomics, datasetEconomics, planColumnDefinition } from "./economics.ts";
import {
  AS_OF_TIME,
  HISTORY_COLUMNS,
  HISTORY_TABLE,
  historyFolder,
  servedSnapshots,
} from "./history.ts";
import { jsonBytes, textResult } from "./result.ts";
import { answerFrom } from "./served_note.ts";
import { FRAME_TABLE } from "./sql.ts";
import { type Cell, cellText, dataLiteral, sentLength } from "./text.ts";

/**
 * describe_dataset's cap when PRICING_MCP_MAX_BYTES is lower: the column dictionary alone is
 * ~30 KB in its two channels (structuredContent's in full, the text's first sentences), the
 * economics ~20 KB, and a model needs all of it to write SQL.
 */
export const DESCRIBE_MIN_BYTES = 64 * 1024;

/** The resource with every column's whole definition (resources.ts serves it). */
export const DICTIONARY_URI = "pricing://dictionary";

/** Characters of a column's description the text keeps at most. */
const SHORT_DEFINITION_CHARS = 120;

/** Characters of an as-of sentence the text keeps when lib/frame/as_of.ts gives it no gist. */
const AS_OF_FALLBACK_CHARS = 48;

/**
 * A column's description as the text gives it: its first sentence (the full stop of "e.g." does
 * not end it), past SHORT_DEFINITION_CHARS cut after a whole word and marked "…".
 */
export function shortDefinition(description: string, maxChars = SHORT_DEFINITION_CHARS): string {
  const end = description.search(/(?<!\b(?:e\.g|i\.e|etc|vs))[.!?](?=\s|$)/);
  const sentence = end < 0 ? description : description.slice(0, end + 1);
  const chars = [...sentence];
  if (chars.length <= maxChars) return sentence;
  const cut = chars.slice(0, maxChars).join("").replace(/\s+\S*$/, "");
  return `${cut.replace(/[\s,;:(]+$/, "")}…`;
}

type Snapshot = Awaited<ReturnType<typeof servedSnapshots>>["snapshots"][number];

/** describe_dataset's result within `maxBytes` (at least DESCRIBE_MIN_BYTES). */
export async function describeDatasetResult(
  store: DatasetStore,
  maxBytes: number,
): Promise<CallToolResult> {
  const describe = await describeDataset(store);
  // an older export served (the newest unreadable) says so first, within the same cap
  return answerFrom(
    { dataset: describe.dataset, maxBytes: Math.max(maxBytes, DESCRIBE_MIN_BYTES) },
    (cap) => {
      const fits = (listed: number) => {
        const { text, structured } = describe(listed);
        return sentLength(joinText(text).join("\n")) + jsonBytes(structured) <= cap;
      };
      // the most snapshots that fit (the newest), by bisection: none at worst, then the text's
      // column lines give way
      let [fitting, over] = [0, describe.snapshots + 1];
      if (fits(describe.snapshots)) fitting = describe.snapshots;
      else {
        while (over - fitting > 1) {
          const mid = Math.floor((fitting + over) / 2);
          if (fits(mid)) fitting = mid;
          else over = mid;
        }
      }
      const { text, structured } = describe(fitting);
      return textResult(fittedText(text, cap - jsonBytes(structured)), structured, {
        maxBytes: cap,
      });
    },
  );
}

/** The text's parts: everything before the column lines, and the column lines. */
export interface DescribeText {
  /** what the data is, its warnings, economics and the column list's header */
  head: string[];
  /** one line per column, in the export's order */
  columns: string[];
}

/** The whole text of `text`, as lines. */
function joinText(text: DescribeText): string[] {
  return [...text.head, ...text.columns];
}

/**
 * The text within `room` bytes: whole when it fits, else its column lines left out from the last,
 * a line saying how many and where every column is defined (the warnings, before them, kept).
 * With no column line left, textResult cuts the rest (the economics, then the warnings) saying so.
 */
export function fittedText(text: DescribeText, room: number): string {
  const whole = joinText(text).join("\n");
  if (sentLength(whole) <= room) return whole;
  const total = text.columns.length;
  let listed = total;
  let lines: string[] = [];
  do {
    listed--;
    const left = total - listed;
    lines = [
      ...text.head,
      ...text.columns.slice(0, listed),
      `… ${left} more column${left === 1 ? "" : "s"} (${total} in all) left out within ` +
      `PRICING_MCP_MAX_BYTES: structuredContent.columns and ${DICTIONARY_URI} define every one`,
    ];
  } while (listed > 0 && sentLength(lines.join("\n")) > room);
  return lines.join("\n");
}

/**
 * The description of the served dataset, as a function of how many of its snapshots to list (the
 * newest), with `snapshots`, how many there are.
 */
async function describeDataset(store: DatasetStore) {
  const d = await store.current();
  const { economics, priceBook, warnings: economicsWarnings, datasetWarnings } =
    await datasetEconomics(d, store.settings.env);
  // the plan column names the price book its plans are read with here, not the built-in one
  const definition = (c: (typeof COLUMNS)[number]) =>
    c.name === "plan" ? planColumnDefinition(priceBook) : c.formula;
  const { snapshots, warnings: sidecarWarnings } = await servedSnapshots(store.settings, d.demo);
  // (a served export may already carry one of them: said once)
  const warnings = [...new Set([...datasetWarnings, ...economicsWarnings, ...sidecarWarnings])];
  const folder = historyFolder(store.settings);
  const source = d.source.kind === "export"
    ? `export file ${d.source.path}`
    : "demo dataset built in memory";
  const asOfEffects = asOfEffectGroups(COLUMNS.map((c) => c.name));
  const build = (listed: number) => {
    const shown: Snapshot[] = listed === 0 ? [] : snapshots.slice(-listed);
    const structured = {
      as_of: d.asOf.toISOString(),
      window: {
        start: d.window.start.toISOString(),
        end: d.window.end.toISOString(),
        days: d.window.days,
      },
      demo: d.demo,
      source,
      row_count: d.frame.height,
      sql_table: FRAME_TABLE,
      columns: COLUMNS.map((c) => ({
        name: c.name,
        type: c.type,
        unit: c.unit,
        source: c.source,
        definition: definition(c),
        description: withoutAsOfEffect(c.name, c.description),
      })),
      // what the as-of does to each column, each sentence once with its columns (the brief's
      // dictionary says them so): on every description they took ~4.3 KB, ten sharing one
      as_of_effects: asOfEffects,
      column_notes: COLUMN_NOTES,
      cost_model: economics.cost_model,
      // (each basis's formula is its column's definition, in columns: the text, without those,
      // gives it on the basis's line)
      margin_bases: economics.margin_bases.map(({ column, basis }) => ({ column, basis })),
      per_plan: economics.per_plan,
      // the MRR the rows (and per_plan's all) leave out, which Stripe's dashboard counts
      ...(d.unmappedStripeCustomers
        ? { unmapped_stripe_customers: d.unmappedStripeCustomers }
        : {}),
      history: {
        sql_table: HISTORY_TABLE,
        folder,
        total: snapshots.length,
        snapshots: shown,
        columns: HISTORY_COLUMNS,
      },
      warnings,
      limits: { max_rows: store.settings.maxRows, max_bytes: store.settings.maxBytes },
    };
    const listing = shown.length === 0
      ? ""
      : `${
        shown.length < snapshots.length
          ? `: the newest ${shown.length} (SELECT DISTINCT as_of, ${AS_OF_TIME} FROM ${HISTORY_TABLE} ORDER BY ${AS_OF_TIME} lists every one)`
          : ""
      }: ${shown.map((s) => s.as_of).join(", ")}`;
    const head = [
      `pricing dataset: ${d.frame.height} ${nounFor(d.frame.height, "organization")}, ${
        d.demo ? "DEMO data (not production)" : "live data"
      }`,
      `as of ${structured.as_of}; window [${structured.window.start}, ${structured.window.end}) = ${d.window.days} days (columns named *_30d cover this window)`,
      `source: ${source}`,
      // (the limits in both channels: a model reading only the text plans on them too)
      `SQL table: ${FRAME_TABLE}; an answer carries at most ${structured.limits.max_rows} rows and ${structured.limits.max_bytes} bytes (PRICING_MCP_MAX_ROWS, PRICING_MCP_MAX_BYTES)`,
      // the warnings early: what has to give for the cap comes after them
      ...(warnings.length > 0
        ? [
          "warnings (as literals: they may quote data):",
          ...warnings.map((w) => `- ${dataLiteral(w)}`),
        ]
        : ["warnings: none"]),
      `history: ${snapshots.length} ${d.demo ? "demo " : ""}${
        nounFor(snapshots.length, "snapshot")
      } in ${folder} (mrr_history: their MRR bridge per month and currency; SQL table ${HISTORY_TABLE}: their rows with an as_of column, YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ for one not at 00:00 UTC, with .mmm before the Z when its milliseconds are not 0, and ${AS_OF_TIME}, the instant as a UTC datetime to order by, then the export's columns and ${
        HISTORY_COLUMNS.map((c) => c.name).join(", ")
      }: MRR in the billing currency, and whether the snapshot stores it)${listing}`,
      ...economicsText(economics),
      ...asOfText(asOfEffects),
      `columns (name | type | unit | first sentence of its description; structuredContent.columns with as_of_effects and ${DICTIONARY_URI} give each one's source, definition and whole description; percent columns hold 96.6 for 96.6 %):`,
    ];
    // (plan's definition stays: it names the price book its plans are read with here; a column
    // of set values, tier, lists them for a WHERE)
    const lead = (c: (typeof COLUMNS)[number]) =>
      c.name === "plan" ? `${definition(c)}: ` : c.values ? `${c.values.join(" | ")}: ` : "";
    const columns = COLUMNS.map((c) =>
      `- ${c.name} | ${c.type} | ${c.unit} | ${lead(c)}${shortDefinition(c.description)}`
    );
    return { text: { head, columns } as DescribeText, structured };
  };
  return Object.assign(build, { snapshots: snapshots.length, dataset: d });
}

/**
 * What an as-of before the run does to each column, each group once in a few words then its
 * columns (merged when their words are the same), before the column lines so that it stays when
 * they give way: a model reading only the text could not tell today's values from the as-of's.
 */
export function asOfText(groups: { effect: string; columns: string[] }[]): string[] {
  const gists = new Map<string, string[]>();
  for (const { effect, columns } of groups) {
    const keyed = columns.find((name) => AS_OF_GIST[name]);
    const gist = keyed ? AS_OF_GIST[keyed] : shortDefinition(effect, AS_OF_FALLBACK_CHARS);
    gists.set(gist, [...(gists.get(gist) ?? []), ...columns]);
  }
  return [
    "as-of (what an earlier --as-of does; as_of_effects has each whole):",
    ...[...gists].map(([gist, columns]) => `- ${gist}: ${columns.join(", ")}`),
  ];
}

/** The cost model, both margin bases and the per-plan table, as lines of the description. */
function economicsText(economics: DatasetEconomics): string[] {
  const model = economics.cost_model;
  const columns = economics.per_plan.columns.map((c) => c.name);
  // an unset setting says so (an empty cell read as a blank left after the name)
  const setting = (value: number | null | undefined) =>
    value === null || value === undefined ? "not set" : cellText(value);
  return [
    `cost model (from the ${
      model.from === "manifest" ? "export's manifest" : "economics settings"
    }): infra_usd_per_1k_requests ${
      setting(model.infra_usd_per_1k_requests)
    }, infra_usd_per_gb_stored ${
      setting(model.infra_usd_per_gb_stored)
    }, ptb_revenue_read ${model.ptb_revenue_read}, price book ${cellText(model.price_book)}`,
    ...model.definition.map((line) => `- ${line}`),
    "margin bases:",
    ...economics.margin_bases.map((m) => `- ${m.column} (${m.basis}) = ${m.formula}`),
    "per-plan unit economics (ratios of sums; all = every organization):",
    ...(economics.per_plan.basis ? [economics.per_plan.basis] : []),
    columns.join(" | "),
    ...economics.per_plan.rows.map((row) =>
      columns.map((c) => cellText((row as Record<string, Cell>)[c])).join(" | ")
    ),
    ...economics.per_plan.notes,
    // first sentences, as the column list: both channels carrying every whole definition grew the
    // answer toward the default cap (structuredContent keeps them whole)
    "per-plan columns (first sentence of each definition; structuredContent.per_plan.columns gives each whole):",
    ...economics.per_plan.columns.map((c) => `- ${c.name}: ${shortDefinition(c.definition)}`),
  ];
}
