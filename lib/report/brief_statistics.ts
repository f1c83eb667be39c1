/**
 * The brief's statistics (Totals, By tier, unit economics, PTB vs BYOK, Distributions and the
 * paying-free caveat): the passes over every row, worked out apart from the brief's text so the
 * export can collect the garbage they leave between them (briefStatistics).
 */
import type pl from "nodejs-polars";
import { withCustomerLosses } from "../economics/customer_margins.ts";
import { economicsBriefLines } from "../economics/report.ts";
import { distributionSection } from "./brief_distributions.ts";
import type { BriefData, BriefStatistics } from "./brief_input.ts";
import { payingFreeCaveat, totalsSection } from "./brief_sections.ts";
import { tierSection } from "./brief_tiers.ts";
import { trafficBriefLines } from "./brief_traffic.ts";

/**
 * The statistics, pausing (yield) twice: after the sections that read the customer losses and
 * after the unit economics. Each section leaves dropped Polars frames behind, native memory V8
 * does not see (at a million organizations ~20–90 MB a section, ~200 MB all together):
 * briefStatistics collects them at each pause. Pausing after every section (four) took the peak
 * no lower than these two. `withLosses` as in BriefInput.
 */
function* statisticsSteps(
  data: BriefData,
  withLosses?: pl.DataFrame,
): Generator<void, BriefStatistics> {
  const { frame, windowDays } = data;
  let losses: pl.DataFrame | undefined = withLosses ?? withCustomerLosses(frame, windowDays);
  const totals = totalsSection(frame, { windowDays, withLosses: losses });
  const tiers = tierSection(frame, { windowDays, withLosses: losses });
  losses = undefined; // (the generator's locals live on: collectable at the next pause)
  yield;
  let economics: BriefStatistics["economics"];
  if (data.economics) {
    const lines = economicsBriefLines(frame, data.economics, {
      fxRates: data.revenue.fxRates,
      windowStart: new Date(data.asOf.getTime() - windowDays * 86_400_000), // [as-of − N days, as-of)
    });
    yield;
    economics = { lines, traffic: trafficBriefLines(frame, windowDays) };
  }
  return {
    totals,
    tiers,
    economics,
    distributions: distributionSection(frame, windowDays),
    payingFree: payingFreeCaveat(frame),
  };
}

/**
 * The brief's statistics with `between` awaited between sections (writeExportBrief: a full
 * collection above 250k organizations, so the sections' garbage is freed before the next ones add
 * their own). At a million organizations the brief set the export's peak RSS: its own peak is ~80
 * MB lower now, for two collections (~75 ms of CPU).
 */
export async function briefStatistics(
  data: BriefData,
  { withLosses, between }: { withLosses?: pl.DataFrame; between: () => Promise<void> },
): Promise<BriefStatistics> {
  const steps = statisticsSteps(data, withLosses);
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
    await between();
  }
}

/** The brief's statistics in one go, no pause (briefMarkdown, when not worked out ahead). */
export function briefStatisticsNow(data: BriefData, withLosses?: pl.DataFrame): BriefStatistics {
  const steps = statisticsSteps(data, withLosses);
  for (let step = steps.next();; step = steps.next()) {
    if (step.done) return step.value;
  }
}
