/**
 * The economics describe_dataset reports: the cost model the dataset was computed with (the
 * export manifest's `cost_model` block, or the economics settings for the in-memory demo), both
 * margin bases with their definitions, and the per-plan unit-economics table (lib/economics),
 * computed from the served frame. The price book is the one PRICING_PRICE_BOOK names, as in
 * the export.
 */
import { basename } from "node:path";
import { COLUMNS } from "../frame/columns.ts";
import {
  type CostModel,
  costModelFromEnv,
  costModelInWords,
  loadPriceBook,
  PER_PLAN_COLUMNS,
  type PerPlanRow,
  planEconomics,
  type PriceBook,
} from "../economics/mod.ts";
import type { Env } from "../core/config.ts";
import type { Dataset, DatasetCostModel } from "./dataset.ts";

export type { CostModelBlock, DatasetCostModel } from "./dataset.ts";

export interface DatasetEconomics {
  cost_model: DatasetCostModel & { definition: string[] };
  margin_bases: { column: string; basis: string; formula: string; description: string }[];
  per_plan: {
    columns: { name: string; definition: string }[];
    rows: PerPlanRow[];
  };
}

const MARGIN_BASES = [
  [
    "gross_margin_pct",
    "spec: all LLM cost, BYOK cost the customer pays included, no infrastructure (not a bound: with infrastructure set, an organization with little BYOK cost can have a lower company margin)",
  ],
  ["gross_margin_company_pct", "company: the company's own cost (PTB LLM cost + infrastructure)"],
] as const;

/** The price book PRICING_PRICE_BOOK names (else the built-in one), as the export loads it. */
export function currentPriceBook(env: Env): Promise<PriceBook> {
  return loadPriceBook(env);
}

function marginBases(): DatasetEconomics["margin_bases"] {
  return MARGIN_BASES.map(([name, basis]) => {
    const column = COLUMNS.find((c) => c.name === name)!;
    return { column: name, basis, formula: column.formula, description: column.description };
  });
}

/** The economics of a dataset, with warnings about what could not be reported. */
export async function datasetEconomics(
  dataset: Dataset,
  env: Env,
): Promise<{ economics: DatasetEconomics; warnings: string[] }> {
  const warnings: string[] = [];
  const book = await currentPriceBook(env);
  let costModel = dataset.costModel;
  if (!costModel) {
    // An export written before the economics columns: say so, show today's settings.
    const settings = costModelFromEnv(env);
    costModel = {
      infra_usd_per_1k_requests: settings.infraUsdPer1kRequests,
      infra_usd_per_gb_stored: settings.infraUsdPerGbStored,
      ptb_revenue_read: false,
      price_book: basename(book.file),
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
  try {
    rows = planEconomics(dataset.frame, { book, windowDays: dataset.window.days });
  } catch (error) {
    warnings.push(
      `per-plan table not computed (an export without the economics columns?): ${
        (error as Error).message.split("\n")[0]
      }`,
    );
  }
  return {
    economics: {
      cost_model: { ...block, definition: costModelInWords(model) },
      margin_bases: marginBases(),
      per_plan: {
        columns: PER_PLAN_COLUMNS.map(([name, definition]) => ({ name, definition })),
        rows,
      },
    },
    warnings,
  };
}
