/**
 * The dataset as the key questions and scenarios read it: a window other than 30 days has its
 * usage (requests_30d, llm_cost_30d and the other additive `_30d` columns) put on a 30-day basis,
 * as notebooks/pricing_questions.ipynb and `deno task scenario` do, since MRR and prices are
 * monthly (lib/frame/monthly.ts).
 */
import type pl from "nodejs-polars";
import { MONTH_DAYS, usageOnMonthlyBasis } from "../frame/monthly.ts";
import type { Dataset } from "./dataset.ts";

export interface MonthlyBasis {
  /** the dataset's frame, its usage on a 30-day basis (the frame itself for a 30-day window) */
  frame: pl.DataFrame;
  /** what was scaled and by how much, or null for a 30-day window */
  note: string | null;
}

export function monthlyBasis(dataset: Pick<Dataset, "frame" | "window">): MonthlyBasis {
  const days = dataset.window.days;
  return {
    frame: usageOnMonthlyBasis(dataset.frame, days),
    note: days === MONTH_DAYS
      ? null
      : `window is ${days} days: usage (requests_30d, llm_cost_30d and the other additive *_30d columns, ptb_revenue_30d and company_cost_30d included) put on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${days}) to set it against monthly MRR and prices`,
  };
}
