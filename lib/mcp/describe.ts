/**
 * describe_dataset's answer: what the data is, its columns, economics, history snapshots and
 * warnings, in both channels within its cap (at least DESCRIBE_MIN_BYTES). The snapshots grow by
 * one a day and a month end a month, kept: when the whole no longer fits, the newest that fit are
 * listed with how many there are, before the text is cut (88 snapshots cut the text in the middle
 * of the column definitions, its warnings lost).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types";
import { COLUMNS } from "../frame/columns.ts";
import type { DatasetStore } from "./dataset.ts";
import { type DatasetEconomics, datasetEconomics, planColumnDefinition } from "./economics.ts";
import { AS_OF_TIME, HISTORY_TABLE, historyFolder, servedSnapshots } from "./history.ts";
import { jsonBytes, textResult } from "./result.ts";
import { answerFrom } from "./served_note.ts";
import { FRAME_TABLE } from "./sql.ts";
import { byteLength, type Cell, cellText, dataLiteral } from "./text.ts";

/**
 * describe_dataset's cap when PRICING_MCP_MAX_BYTES is lower: the column dictionary alone is
 * ~44 KB in its two channels, and a model needs all of it to write SQL.
 */
export const DESCRIBE_MIN_BYTES = 64 * 1024;

type Snapshot = Awaited<ReturnType<typeof servedSnapshots>>["snapshots"][number];

/** describe_dataset's result within `maxBytes` (at least DESCRIBE_MIN_BYTES). */
export async function describeDatasetResult(
  store: DatasetStore,
  maxBytes: number,
): Promise<CallToolResult> {
  const describe = await describeDataset(store);
  // an older export served (the newest unreadable) says so first, within the same cap
  return answerFrom(describe.dataset, Math.max(maxBytes, DESCRIBE_MIN_BYTES), (cap) => {
    const fits = (listed: number) => {
      const { text, structured } = describe(listed);
      return byteLength(text) + jsonBytes(structured) <= cap;
    };
    // the most snapshots that fit (the newest), by bisection: none at worst, then the text is cut
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
    return textResult(text, structured, cap);
  });
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
        description: c.description,
      })),
      cost_model: economics.cost_model,
      margin_bases: economics.margin_bases,
      per_plan: economics.per_plan,
      history: { sql_table: HISTORY_TABLE, folder, total: snapshots.length, snapshots: shown },
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
    const text = [
      `pricing dataset: ${d.frame.height} organizations, ${
        d.demo ? "DEMO data (not production)" : "live data"
      }`,
      `as of ${structured.as_of}; window [${structured.window.start}, ${structured.window.end}) = ${d.window.days} days (columns named *_30d cover this window)`,
      `source: ${source}`,
      // (the limits in both channels: a model reading only the text plans on them too)
      `SQL table: ${FRAME_TABLE}; an answer carries at most ${structured.limits.max_rows} rows and ${structured.limits.max_bytes} bytes (PRICING_MCP_MAX_ROWS, PRICING_MCP_MAX_BYTES)`,
      `history: ${snapshots.length} ${
        d.demo ? "demo " : ""
      }snapshots in ${folder} (SQL table ${HISTORY_TABLE}: their rows with an as_of column, YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ for one not at 00:00 UTC, with .mmm before the Z when its milliseconds are not 0, and ${AS_OF_TIME}, the instant as a UTC datetime to order by)${listing}`,
      ...economicsText(economics),
      "columns (name | type | unit | definition):",
      ...COLUMNS.map((c) =>
        `- ${c.name} | ${c.type} | ${c.unit} | ${definition(c)}: ${c.description}`
      ),
      warnings.length > 0
        ? `warnings (as literals: they may quote data):\n${
          warnings.map((w) => `- ${dataLiteral(w)}`).join("\n")
        }`
        : "warnings: none",
    ].join("\n");
    return { text, structured };
  };
  return Object.assign(build, { snapshots: snapshots.length, dataset: d });
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
    "per-plan columns:",
    ...economics.per_plan.columns.map((c) => `- ${c.name}: ${c.definition}`),
  ];
}
