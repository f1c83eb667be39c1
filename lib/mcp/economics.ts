/**
 * The economics describe_dataset reports: the cost model the dataset was computed with (the
 * export manifest's `cost_model` block, or the economics settings for the in-memory demo), both
 * margin bases with their definitions, and the per-plan unit-economics table (lib/economics),
 * computed from the served frame. The price book is the one the served export was made with
 * (its manifest's cost_model.price_book, looked for where cost_model.price_book_path says it was
 * read, with the bytes its cost_model.price_book_sha256 records) when it can be found, else that file as it is today or the one PRICING_PRICE_BOOK names, with a
 * warning; the book only orders the per-plan rows, so one that cannot be read is a warning.
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import { COLUMNS } from "../frame/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import {
  type CostModel,
  costModelFromEnv,
  costModelInWords,
  loadPriceBook,
  PER_PLAN_COLUMNS,
  type PerPlanRow,
  perPlanRows,
  perPlanTable,
  planEconomics,
  type PriceBook,
} from "../economics/mod.ts";
import { priceBookPath, readPriceBookFile } from "../economics/price_book.ts";
import { isPtbWarning, ptbTimingWarnings } from "../economics/ptb_timing.ts";
import { costUnrecordedSentence } from "../economics/cost_unrecorded.ts";
import { type Env, UserError } from "../core/config.ts";
import type { KindedWarning, WarningKind } from "../core/warning_kinds.ts";
import type { Dataset, DatasetCostModel } from "./dataset.ts";
import { SCENARIOS_DIR } from "./scenarios.ts";
import { dataLiteral, literalBody } from "./text.ts";
import { perPlanRunNotesText } from "../economics/run_notes.ts";

export type { CostModelBlock, DatasetCostModel } from "./dataset.ts";

export interface DatasetEconomics {
  cost_model: DatasetCostModel & { definition: string[] };
  /** each basis's column, what it counts and its formula (its description: the column's own, in describe_dataset's columns) */
  margin_bases: { column: string; basis: string; formula: string }[];
  per_plan: {
    /**
     * another window's: its usage on a 30-day basis in every ratio and margin (the definitions
     * name the *_30d columns); null for a 30-day window
     */
    basis: string | null;
    columns: { name: string; definition: string }[];
    rows: PerPlanRow[];
    /** the brief's notes under its table on this data (lib/economics/run_notes.ts) */
    notes: string[];
  };
}

const MARGIN_BASES = [
  [
    "gross_margin_pct",
    "spec: all LLM cost, BYOK cost the customer pays included, no infrastructure (not a bound: with infrastructure set, an organization with little BYOK cost can have a lower company margin)",
  ],
  ["gross_margin_company_pct", "company: the company's own cost (PTB LLM cost + infrastructure)"],
] as const;

/** The price book behind a dataset's plan and list_price_mrr columns, as far as it is found. */
export interface DatasetPriceBook {
  /** the book to show and order the per-plan rows by; null when none could be read */
  book: PriceBook | null;
  /**
   * true when `book` is the one the dataset was made with: the file its manifest names, with the
   * bytes it records (cost_model.price_book_sha256) when it records them
   */
  isDatasetBook: boolean;
  /** the file name the export's manifest records (cost_model.price_book); null when none */
  recorded: string | null;
  /**
   * true when `book` has the recorded name but other bytes than the export read: the file was
   * edited since, and the export's plan and list_price_mrr came from an earlier version of it
   */
  changed: boolean;
  /** the folders the recorded file was looked for in (when it was not the settings' book) */
  searched: string[];
  /** why the dataset's book is not the one shown, or no book could be read */
  warnings: string[];
}

/**
 * The price book a dataset was made with: the in-memory demo's is the settings' book; an export's
 * is the file its manifest names, looked for as the settings' book, where the export read it
 * (cost_model.price_book_path), beside the settings' book, then among the shipped scenarios, the
 * first whose bytes have the SHA-256 the manifest records (an older
 * manifest records none: the first of that name). A file of that name with other bytes is shown
 * with a warning that it changed since; none found: the settings' book, with a warning that it is
 * not the export's.
 */
export async function datasetPriceBook(dataset: Dataset, env: Env): Promise<DatasetPriceBook> {
  const warnings: string[] = [];
  let current: PriceBook | null = null;
  try {
    current = await loadPriceBook(env);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    warnings.push(`price book of the settings not read: ${error.message}`);
  }
  const model = dataset.costModel;
  if (model?.from !== "manifest") {
    // the in-memory demo was priced with the settings' book; an older export records none
    if (!model) {
      warnings.push(
        "the export does not record its price book (no manifest cost_model block): the price book used is the current settings', which may not be the one its plan and list_price_mrr came from",
      );
    }
    return {
      book: current,
      isDatasetBook: model !== undefined && current !== null,
      recorded: null,
      changed: false,
      searched: [],
      warnings,
    };
  }
  const recorded = model.price_book;
  const recordedSha256 = model.price_book_sha256;
  const isRecorded = (book: PriceBook) => recordedSha256 === null || book.sha256 === recordedSha256;
  const settingsBookNamed = current !== null && basename(current.file) === recorded;
  if (settingsBookNamed && isRecorded(current!)) {
    return { book: current, isDatasetBook: true, recorded, changed: false, searched: [], warnings };
  }
  // a file name of the recorded name, never another path (the manifest is a file anyone could
  // edit): the folder the export read it from first (a book kept outside scenarios/), if recorded
  const readFrom = model.price_book_path;
  const recordedFolder =
    readFrom !== null && isAbsolute(readFrom) && basename(readFrom) === recorded
      ? [dirname(readFrom)]
      : [];
  const folders = [
    ...new Set([
      ...recordedFolder,
      dirname(priceBookPath(env)),
      SCENARIOS_DIR.replace(/\/$/, ""),
    ]),
  ];
  // of that name but other bytes: the first found, shown if none has the recorded bytes
  let edited: PriceBook | null = settingsBookNamed ? current : null;
  if (recorded === basename(recorded) && recorded.endsWith(".json")) {
    for (const folder of folders) {
      const file = join(folder, recorded);
      if (settingsBookNamed && file === current!.file) continue; // read above
      let book: PriceBook;
      try {
        book = await readPriceBookFile(file);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        continue;
      }
      if (isRecorded(book)) {
        return { book, isDatasetBook: true, recorded, changed: false, searched: folders, warnings };
      }
      edited ??= book;
    }
  }
  if (edited) {
    warnings.push(
      `the export's price book ${
        JSON.stringify(recorded)
      } has changed since the export (its SHA-256 is not the manifest's cost_model.price_book_sha256): the export's plan and list_price_mrr came from an earlier version of ${
        JSON.stringify(recorded)
      }; the price book used is today's file ${edited.file}, whose prices may differ`,
    );
    return {
      book: edited,
      isDatasetBook: false,
      recorded,
      changed: true,
      searched: folders,
      warnings,
    };
  }
  warnings.push(
    `the export's price book ${
      JSON.stringify(recorded)
    } (manifest cost_model.price_book) was not found in ${folders.join(" or ")}: ${
      current
        ? `the price book used is the current settings' ${
          basename(current.file)
        }, not the one the export's plan and list_price_mrr came from`
        : "no price book used"
    }`,
  );
  return {
    book: current,
    isDatasetBook: false,
    recorded,
    changed: false,
    searched: folders,
    warnings,
  };
}

function marginBases(): DatasetEconomics["margin_bases"] {
  return MARGIN_BASES.map(([name, basis]) => {
    const column = COLUMNS.find((c) => c.name === name)!;
    return { column: name, basis, formula: column.formula };
  });
}

/**
 * The economics of a dataset, with warnings about what could not be reported, and the dataset's
 * own warnings with its stored PTB warnings replaced by those worked out from its rows.
 */
export async function datasetEconomics(
  dataset: Dataset,
  env: Env,
): Promise<{
  economics: DatasetEconomics;
  priceBook: DatasetPriceBook;
  warnings: string[];
  /** dataset.warnings, its PTB warnings worked out again (withPtbWarnings) */
  datasetWarnings: string[];
}> {
  const found = await datasetPriceBook(dataset, env);
  const { book } = found;
  const warnings = [...found.warnings];
  let datasetWarnings = dataset.warnings;
  let costModel = dataset.costModel;
  if (!costModel) {
    // An export written before the economics columns: say so, show today's settings.
    const settings = costModelFromEnv(env);
    costModel = {
      infra_usd_per_1k_requests: settings.infraUsdPer1kRequests,
      infra_usd_per_gb_stored: settings.infraUsdPerGbStored,
      ptb_revenue_read: false,
      price_book: basename(book?.file ?? priceBookPath(env)),
      price_book_path: book?.file ?? null,
      price_book_sha256: book?.sha256 ?? null,
      from: "settings",
    };
    warnings.push(
      "the export has no manifest cost_model block: the cost model shown is today's settings",
    );
  }
  const block = costModel;
  const model: CostModel = {
    infraUsdPer1kRequests: block.infra_usd_per_1k_requests,
    infraUsdPerGbStored: block.infra_usd_per_gb_stored,
  };
  let rows: PerPlanRow[] = [];
  let notes: string[] = [];
  try {
    const windowDays = dataset.window.days;
    // without a price book the rows are in name order (the book only orders them)
    rows = book
      ? planEconomics(dataset.frame, { book, windowDays })
      : perPlanRows(perPlanTable(dataset.frame, { windowDays }));
    // plans pulled down by PTB cost without PTB revenue in the window, worked out here: an
    // export stores those its version of the kit found (none before they were added)
    // plan names and currencies are data: as literals (no rate: the export's is not at hand)
    notes = perPlanRunNotesText(dataset.frame, {
      windowStart: dataset.window.start,
      style: { plan: dataLiteral, data: literalBody },
    });
    const ptb = withPtbWarnings(dataset, ptbTimingWarnings(dataset.frame, windowDays));
    datasetWarnings = ptb.stored;
    warnings.push(...ptb.added);
  } catch (error) {
    warnings.push(
      `per-plan table not computed (an export without the economics columns?): ${
        (error as Error).message.split("\n")[0]
      }`,
    );
  }
  // the cost basis's completeness: requests without a cost make every margin an upper bound
  const unrecorded = costUnrecordedSentence(dataset.frame);
  if (unrecorded) warnings.push(unrecorded);
  return {
    economics: {
      cost_model: { ...block, definition: costModelInWords(model) },
      margin_bases: marginBases(),
      per_plan: {
        basis: perPlanBasis(dataset.window.days),
        columns: PER_PLAN_COLUMNS.map(([name, definition]) => ({ name, definition })),
        rows,
        notes,
      },
    },
    priceBook: found,
    warnings,
    datasetWarnings,
  };
}

/** The kinds of ptbTimingWarnings' warnings. */
const PTB_KINDS: readonly WarningKind[] = ["ptb_timing", "ptb_no_customer"];

/**
 * A dataset's stored warnings with its PTB warnings (by their kind; in a manifest written before
 * kinds were stored, by their words, isPtbWarning, as any version of the kit wrote them) replaced
 * by `recomputed`, in the first one's place, every other warning kept; `added`: those of
 * `recomputed` none was stored in place of. An export made before dcefbab stored a timing warning
 * for PTB cost of organizations without a Stripe customer, beside which the no-customer warning
 * worked out now would contradict it.
 */
function withPtbWarnings(
  { warnings: stored, warningKinds }: Pick<Dataset, "warnings" | "warningKinds">,
  recomputed: readonly KindedWarning[],
): { stored: string[]; added: string[] } {
  const isPtb = warningKinds
    ? (warning: string) => PTB_KINDS.includes(warningKinds.get(warning) ?? "other")
    : isPtbWarning;
  const texts = recomputed.map((w) => w.text);
  const first = stored.findIndex(isPtb);
  if (first === -1) return { stored: [...stored], added: texts };
  return {
    stored: stored.flatMap((warning, i) => i === first ? texts : isPtb(warning) ? [] : [warning]),
    added: [],
  };
}

/**
 * The plan column's definition for a dataset: the price book its plans were matched with, named
 * as the book actually used (lib/frame/columns.ts names the built-in one), or why not the export's.
 */
export function planColumnDefinition(found: DatasetPriceBook): string {
  const rule = "first price-book plan matching tier / tier_raw";
  if (!found.book) return `${rule} (no price book could be read: see warnings)`;
  return `${rule} (${dataLiteral(found.book.file)}${
    found.isDatasetBook ? "" : ", not the export's price book: see warnings"
  })`;
}

/**
 * The price-book resource's parts: the book's JSON as written, and a plain-text part when it is
 * not the served export's book (or no book could be read), so a client never takes the current
 * settings' prices for the ones the export's plan and list_price_mrr came from.
 */
export async function priceBookResource(
  found: DatasetPriceBook,
): Promise<{ mimeType: string; text: string }[]> {
  const note = (text: string) => ({ mimeType: "text/plain", text });
  if (!found.book) return [note(`No price book could be read: ${found.warnings.join("; ")}`)];
  const parts = [{ mimeType: "application/json", text: await Deno.readTextFile(found.book.file) }];
  if (found.isDatasetBook) return parts;
  const name = basename(found.book.file);
  return [
    ...parts,
    note(
      found.recorded === null
        ? `This is the current settings' price book (${name}). The served dataset does not record the price book its plan and list_price_mrr columns came from (its manifest has no cost_model block), so they may differ from these prices.`
        : found.changed
        ? `This is today's ${
          dataLiteral(found.recorded)
        }, not the version the served export was made with: the file has changed since (its SHA-256 is not its manifest's cost_model.price_book_sha256), so the export's plan and list_price_mrr columns came from an earlier version of it; its prices may differ from these.`
        : `This is the current settings' price book (${name}), not the served export's: the export's plan and list_price_mrr columns came from ${
          dataLiteral(found.recorded)
        } (its manifest's cost_model.price_book), which was not found in ${
          found.searched.join(" or ")
        }; its prices may differ from these.`,
    ),
  ];
}

/**
 * What the per-plan table's usage is on another window: the brief says it above the same table
 * (lib/economics/report.ts); a client checking a ratio with query_sql over the window's sums got
 * another number and no reason.
 */
function perPlanBasis(windowDays: number): string | null {
  if (windowDays === MONTH_DAYS) return null;
  return `window is ${windowDays} days: every ratio and margin here sets the window's requests_30d, llm_cost_30d, llm_cost_ptb_30d, ptb_revenue_30d and company_cost_30d on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${windowDays}) against monthly mrr and list prices, as the definitions below are read; the sums over the window are the columns' own`;
}
