/**
 * Segment exports: pre-filtered sets of organizations (the spec's "Future Enhancements" 4 and
 * Helicone's own admin cohorts, production-schema.md). Every threshold is a named parameter; each
 * segment states its rule in words with the thresholds filled in.
 *
 * Empty MRR (revenue not fetched) is never read as $0: segments that judge revenue leave such
 * organizations out, and count them as not judged, so an empty segment of an export without
 * revenue says it cannot be judged instead of reading as "nobody". An unknown count or flag (a NaN
 * or infinite value from a query) that decides a rule is counted the same way, never read as 0.
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import pl from "nodejs-polars";
import { join } from "node:path";
import { UserError } from "../core/config.ts";
import { DEFAULT_SEGMENT_THRESHOLDS, type SegmentThresholds } from "./segment_thresholds.ts";
import { stampedFileName } from "../formats/export_names.ts";
import { writeCsvFile } from "../formats/csv.ts";
import type { Sheet } from "../formats/xlsx.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "../economics/customer_margins.ts";
import { MONTH_DAYS, monthlyExpr } from "../frame/monthly.ts";
import { mrrUnknown } from "../revenue/columns.ts";
import { CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";

// the thresholds and their settings: segment_thresholds.ts (every importer of segments.ts gets them)
export {
  DEFAULT_SEGMENT_THRESHOLDS,
  type SegmentThresholds,
  segmentThresholdsFromEnv,
  thresholdVariable,
} from "./segment_thresholds.ts";

export interface SegmentDef {
  /** file-safe name: helicone_pricing_data_<date>_<name>.csv */
  name: string;
  title: string;
  /** the rule in words; `windowDays` is the export's window (30 unless --days said not) */
  rule: (t: SegmentThresholds, windowDays: number) => string;
  /**
   * `usage(name)`: a window usage column on a 30-day basis (× 30 / N for a window of N days), so
   * the thresholds, set per month, mean the same whatever the window
   */
  filter: (t: SegmentThresholds, usage: (name: string) => pl.Expr) => pl.Expr;
  /** the rule reads window usage: with another window it says the usage is on a 30-day basis */
  readsUsage?: boolean;
  /**
   * A rule that judges MRR: the organizations whose membership their MRR decides (the rule's
   * other conditions hold). With their MRR unknown they are left out and counted as not judged.
   */
  mrrDecides?: (t: SegmentThresholds, usage: (name: string) => pl.Expr) => pl.Expr;
  /**
   * The rule reads its Stripe customer's figures (CUSTOMER_COLUMNS): an organization whose
   * revenue a shared customer's other organization carries is judged by that revenue, and its
   * MRR is unknown when its customer's is.
   */
  readsCustomer?: boolean;
  /**
   * The rule reads its Stripe customer's loss flags (CUSTOMER_LOSS_COLUMNS, withCustomerLosses on
   * the export's window), which the brief and the per-plan table count too.
   */
  readsLosses?: boolean;
  /**
   * A rule that reads a flag or count a query can leave unknown (NaN or infinite, empty): the
   * organizations whose membership it decides while it is unknown (the rule's other conditions
   * hold), and what is unknown, for the not-judged words.
   */
  unknownDecides?: {
    undecided: (t: SegmentThresholds, usage: (name: string) => pl.Expr) => pl.Expr;
    what: string;
  };
}

const col = pl.col;
const n = (value: number) => value.toLocaleString("en-US");

/**
 * How the rules that set usage against revenue judge organizations sharing a Stripe customer:
 * one row carries the customer's revenue, so row by row the others would have no MRR and the
 * paying one only its own usage.
 */
const ONE_CUSTOMER = "a shared Stripe customer's organizations judged as one, usage summed";

const UNKNOWN_REQUESTS = "unknown requests_30d";

/** underpriced's usage condition, on the customer's organizations' summed usage */
function customerUsageIsHigh(
  t: SegmentThresholds,
  usage: (name: string) => pl.Expr,
): pl.Expr {
  return usage(CUSTOMER_COLUMNS.requests).gtEq(t.underpricedMinRequests)
    .or(usage(CUSTOMER_COLUMNS.llmCost).gtEq(t.underpricedMinLlmCostUsd));
}

export const SEGMENTS: readonly SegmentDef[] = [
  {
    name: "ptb_customers",
    title: "PTB customers",
    rule: () => "is_ptb: any pass-through-billing spend (all time)",
    filter: () => col("is_ptb"),
    unknownDecides: { undecided: () => col("is_ptb").isNull(), what: "unknown PTB spend" },
  },
  {
    name: "gateway_only",
    title: "Gateway-only (PTB only)",
    rule: () => "has_gateway_only: PTB requests and no BYOK requests in the window",
    filter: () => col("has_gateway_only"),
    unknownDecides: {
      undecided: () => col("has_gateway_only").isNull(),
      what: "an unknown PTB or BYOK request count",
    },
  },
  {
    name: "byok_paying",
    title: "BYOK paying customers",
    rule: () =>
      "is_byok and its Stripe customer's mrr > 0 (for a shared customer, the mrr on the organization's row that carries it)",
    filter: () => col("is_byok").and(col(CUSTOMER_COLUMNS.pays)),
    mrrDecides: () => col("is_byok"),
    readsCustomer: true,
    unknownDecides: {
      // (with its MRR unknown too it is counted here, once)
      undecided: () =>
        col("is_byok").isNull().and(
          col(CUSTOMER_COLUMNS.pays).or(col(CUSTOMER_COLUMNS.mrrKnown).not()),
        ),
      what: "an unknown BYOK request count",
    },
  },
  {
    name: "free_high_usage",
    title: "High-usage free tier (upgrade candidates; Helicone's free power users)",
    rule: (t) => `tier = free and requests_30d ≥ ${n(t.freeHighUsageMinRequests)}`,
    filter: (t, usage) =>
      col("tier").eq(pl.lit("free")).and(usage("requests_30d").gtEq(t.freeHighUsageMinRequests)),
    readsUsage: true,
    unknownDecides: {
      undecided: () => col("tier").eq(pl.lit("free")).and(col("requests_30d").isNull()),
      what: UNKNOWN_REQUESTS,
    },
  },
  {
    name: "underpriced",
    title: "Underpriced: high usage or LLM cost, low MRR",
    rule: (t) =>
      `(requests_30d ≥ ${n(t.underpricedMinRequests)} or llm_cost_30d ≥ $${
        n(t.underpricedMinLlmCostUsd)
      }) and mrr ≤ $${n(t.underpricedMaxMrrUsd)} (empty mrr excluded; ${ONE_CUSTOMER})`,
    filter: (t, usage) =>
      customerUsageIsHigh(t, usage)
        .and(col(CUSTOMER_COLUMNS.mrr).isNotNull())
        .and(col(CUSTOMER_COLUMNS.mrr).ltEq(t.underpricedMaxMrrUsd)),
    readsUsage: true,
    mrrDecides: customerUsageIsHigh,
    readsCustomer: true,
    unknownDecides: {
      // usage neither known high nor known low (a count or cost of the customer's unknown), and
      // MRR low or unknown (an unknown MRR with it is counted here, once)
      undecided: (t, usage) =>
        customerUsageIsHigh(t, usage).isNull().and(
          col(CUSTOMER_COLUMNS.mrr).ltEq(t.underpricedMaxMrrUsd)
            .or(col(CUSTOMER_COLUMNS.mrrKnown).not()),
        ),
      what: "an unknown request count or LLM cost (its Stripe customer's)",
    },
  },
  {
    name: "negative_margin",
    title: "Negative gross margin (churn risk)",
    // the customer's mrr against its organizations' LLM cost, not a row's gross_margin_pct (a
    // shared customer's paying row may read positive): with a window other than 30 days (--days
    // N) the cost is on a 30-day basis against monthly mrr (lib/frame/monthly.ts), and it says so
    rule: (_t, windowDays) =>
      windowDays === MONTH_DAYS
        ? `mrr > 0 and llm_cost_30d > mrr (${ONE_CUSTOMER})`
        : `mrr > 0 and llm_cost_30d × ${MONTH_DAYS} / ${windowDays} > mrr (the ${windowDays}-day LLM cost on a ${MONTH_DAYS}-day basis; ${ONE_CUSTOMER})`,
    // its customer's loss flag, the one the brief's Totals, By tier and the per-plan table count
    // (gross_margin_pct < 0 of the customer; its own row's for an organization sharing none)
    filter: () => col(CUSTOMER_LOSS_COLUMNS.spec),
    readsLosses: true,
    // any LLM cost may exceed an MRR nobody knows
    mrrDecides: () => col(CUSTOMER_COLUMNS.llmCost).gt(0),
    readsCustomer: true,
    unknownDecides: {
      // the flag cannot say, for the cost (the loss column's own unknown, with a known MRR; with
      // an unknown MRR too, counted here once rather than as MRR not judged)
      undecided: () =>
        col(CUSTOMER_LOSS_COLUMNS.spec).isNull().and(col(CUSTOMER_COLUMNS.llmCost).isNull()),
      what: "an unknown LLM cost (its Stripe customer's)",
    },
  },
  {
    name: "low_seat_utilization",
    title: "Low seat utilisation",
    rule: (t) =>
      `seats ≥ ${
        n(t.lowUtilizationMinSeats)
      } and seat_utilization_pct ≤ ${t.lowUtilizationMaxPct} %`,
    filter: (t) =>
      col("seats").gtEq(t.lowUtilizationMinSeats)
        .and(col("seat_utilization_pct").ltEq(t.lowUtilizationMaxPct)),
  },
  {
    name: "high_inference_few_seats",
    title: "High inference, few seats (Helicone cohort)",
    rule: (t) =>
      `requests_30d ≥ ${n(t.highInferenceMinRequests)} and seats ≤ ${n(t.highInferenceMaxSeats)}`,
    filter: (t, usage) =>
      usage("requests_30d").gtEq(t.highInferenceMinRequests)
        .and(col("seats").ltEq(t.highInferenceMaxSeats)),
    readsUsage: true,
    unknownDecides: {
      undecided: (t) =>
        col("requests_30d").isNull().and(col("seats").ltEq(t.highInferenceMaxSeats)),
      what: UNKNOWN_REQUESTS,
    },
  },
  {
    name: "low_inference_many_seats",
    title: "Low inference, many seats (Helicone cohort)",
    rule: (t) =>
      `requests_30d ≤ ${n(t.lowInferenceMaxRequests)} and seats ≥ ${n(t.lowInferenceMinSeats)}`,
    filter: (t, usage) =>
      usage("requests_30d").ltEq(t.lowInferenceMaxRequests)
        .and(col("seats").gtEq(t.lowInferenceMinSeats)),
    readsUsage: true,
    unknownDecides: {
      undecided: (t) => col("requests_30d").isNull().and(col("seats").gtEq(t.lowInferenceMinSeats)),
      what: UNKNOWN_REQUESTS,
    },
  },
];

export const SEGMENT_NAMES: readonly string[] = SEGMENTS.map((s) => s.name);

export interface SegmentResult {
  name: string;
  title: string;
  /** the rule in words, thresholds filled in */
  rule: string;
  frame: pl.DataFrame;
  /**
   * Organizations a rule that judges MRR left out because their MRR is unknown, and what to say
   * beside the segment's count; null when there are none (or the rule reads no revenue).
   */
  notJudged: NotJudged | null;
}

export interface NotJudged {
  organizations: number;
  /** "cannot be judged: revenue not fetched (2 organizations with unknown MRR)", … */
  text: string;
  /**
   * those of `organizations` left out for an unknown count or flag, not MRR (unknownDecides);
   * absent when there are none
   */
  unknownCount?: number;
}

/** A segment's organizations not judged because their MRR is unknown (not a count or flag). */
export function mrrNotJudged(notJudged: NotJudged | null | undefined): number {
  return notJudged ? notJudged.organizations - (notJudged.unknownCount ?? 0) : 0;
}

export function segmentDef(name: string): SegmentDef {
  const def = SEGMENTS.find((s) => s.name === name);
  if (!def) {
    throw new UserError(
      `unknown segment ${JSON.stringify(name)}; segments: ${SEGMENT_NAMES.join(", ")}`,
    );
  }
  return def;
}

export interface SegmentOptions {
  thresholds?: Partial<SegmentThresholds>;
  /** the frame's window in days (30 unless the export's --days said not): a rule's wording */
  windowDays?: number;
}

/**
 * `frame` with what `def`'s rule reads beside the export's columns: the customer losses' flags, the
 * customer columns (segmentFrame and segmentRowCounts judge the same frame).
 */
function judgedFrame(
  frame: pl.DataFrame,
  def: SegmentDef,
  { windowDays }: { windowDays: number },
): pl.DataFrame {
  const flagged = def.readsLosses ? withCustomerLosses(frame, windowDays) : frame;
  return def.readsCustomer ? withCustomerColumns(flagged, { usage: true }) : flagged;
}

/** One segment's organizations (null comparisons count as no). */
export function segmentFrame(
  frame: pl.DataFrame,
  { name, thresholds = {}, windowDays = MONTH_DAYS }: SegmentOptions & { name: string },
): SegmentResult {
  const def = segmentDef(name);
  const t = { ...DEFAULT_SEGMENT_THRESHOLDS, ...thresholds };
  const usage = (column: string) => monthlyExpr(col(column), windowDays);
  const basis = def.readsUsage && windowDays !== MONTH_DAYS
    ? ` (the ${windowDays}-day usage on a ${MONTH_DAYS}-day basis: × ${MONTH_DAYS} / ${windowDays})`
    : "";
  const judged = judgedFrame(frame, def, { windowDays });
  const members = judged.filter(def.filter(t, usage).fillNull(false));
  // (a frame without stripe_customer_id, hand-made, names no customer: a shared_customer row is
  // known as its own revenue_source says)
  const unknown = def.readsCustomer && frame.columns.includes("stripe_customer_id")
    ? col(CUSTOMER_COLUMNS.mrrKnown).not()
    : mrrUnknown(frame);
  return {
    name: def.name,
    title: def.title,
    rule: def.rule(t, windowDays) + basis,
    frame: def.readsCustomer || def.readsLosses ? members.select(...frame.columns) : members,
    notJudged: withUnknownCounts(
      def.mrrDecides
        ? notJudged(judged, members, { undecided: def.mrrDecides(t, usage).and(unknown) })
        : null,
      def.unknownDecides &&
        {
          organizations: judged.filter(def.unknownDecides.undecided(t, usage).fillNull(false))
            .height,
          what: def.unknownDecides.what,
        },
    ),
  };
}

/**
 * The MRR not-judged words with the organizations an unknown count or flag left unjudged added:
 * "1 organization with unknown MRR not judged; 2 organizations with an unknown PTB or BYOK request
 * count not judged" (the two are apart: an MRR rule is not asked of an unknown flag).
 */
function withUnknownCounts(
  mrr: NotJudged | null,
  counts: { organizations: number; what: string } | undefined,
): NotJudged | null {
  if (!counts || counts.organizations === 0) return mrr;
  const text = `${n(counts.organizations)} organization${
    counts.organizations === 1 ? "" : "s"
  } with ${counts.what} not judged`;
  const unknownCount = counts.organizations;
  return mrr
    ? {
      organizations: mrr.organizations + unknownCount,
      text: `${mrr.text}; ${text}`,
      unknownCount,
    }
    : { organizations: unknownCount, text, unknownCount };
}

/**
 * The organizations `undecided` picks (MRR decides and is unknown: a row whose revenue a shared
 * customer's other organization carries is not unknown), and the words for them.
 */
function notJudged(
  frame: pl.DataFrame,
  members: pl.DataFrame,
  { undecided }: { undecided: pl.Expr },
): NotJudged | null {
  const unknown = frame.filter(undecided.fillNull(false)).height;
  if (unknown === 0) return null;
  const organizations = `${n(unknown)} organization${unknown === 1 ? "" : "s"} with unknown MRR`;
  let text = `${organizations} not judged`;
  if (members.height === 0) {
    text = revenueNotFetched(frame)
      ? `cannot be judged: revenue not fetched (${organizations})`
      : `none with known MRR; ${text}`;
  }
  return { organizations: unknown, text };
}

/** No revenue read for the export (Stripe skipped or failed): every revenue_source is none. */
function revenueNotFetched(frame: pl.DataFrame): boolean {
  // (a hand-made frame without revenue_source: no MRR known at all)
  const known = frame.columns.includes("revenue_source")
    ? col("revenue_source").neq(pl.lit("none")).fillNull(false)
    : col("mrr").isNotNull();
  return frame.filter(known).height === 0;
}

/**
 * Each segment's organizations counted, no frame of its members made: the brief's sizes for
 * segment files not written (segmentEstimates). The customer columns are joined once for the
 * rules that read them, once more with the loss flags for the one that reads those.
 */
export function segmentRowCounts(
  frame: pl.DataFrame,
  { thresholds = {}, windowDays = MONTH_DAYS }: SegmentOptions = {},
): { name: string; rows: number }[] {
  const t = { ...DEFAULT_SEGMENT_THRESHOLDS, ...thresholds };
  const usage = (column: string) => monthlyExpr(col(column), windowDays);
  const judged = new Map<string, pl.DataFrame>();
  const judgedFor = (def: SegmentDef) => {
    const key = `${def.readsLosses ?? false} ${def.readsCustomer ?? false}`;
    let found = judged.get(key);
    if (!found) judged.set(key, found = judgedFrame(frame, def, { windowDays }));
    return found;
  };
  return SEGMENTS.map((def) => {
    const counted = judgedFor(def).select(
      def.filter(t, usage).fillNull(false).cast(pl.UInt32).sum().alias("rows"),
    );
    return { name: def.name, rows: Number(counted.getColumn("rows").get(0) ?? 0) };
  });
}

export function segmentFrames(
  frame: pl.DataFrame,
  options: SegmentOptions = {},
): SegmentResult[] {
  return SEGMENTS.map((s) => segmentFrame(frame, { ...options, name: s.name }));
}

/** `helicone_pricing_data_2026-11-01_demo_ptb_customers.csv`: the export's name plus the segment. */
export function segmentFileName(stamp: string, name: string): string {
  return stampedFileName(stamp, { ext: "csv", suffix: name });
}

/**
 * One CSV per segment in `outDir`, each a complete export (same header, same column order), so a
 * segment file can be uploaded, compared or read back like the full export. Returns the paths.
 */
export async function writeSegmentFiles(
  segments: readonly SegmentResult[],
  { outDir, stamp, chosenBy }: {
    outDir: string;
    stamp: string;
    /** how the user chose the folder the files are for (--out-dir…), for its errors */
    chosenBy: ChosenBy;
  },
): Promise<string[]> {
  const paths: string[] = [];
  for (const segment of segments) {
    const path = join(outDir, segmentFileName(stamp, segment.name));
    await writeCsvFile(segment.frame, path, { chosenBy });
    paths.push(path);
  }
  return paths;
}

/**
 * The segments as extra XLSX sheets (named after the segment; every name is ≤ 31 characters),
 * each with its rule and count, and the organizations not judged, for the `dictionary` sheet: a
 * sheet's rows are the export's, so a reader of it (or the export reader) finds no line added.
 */
export function segmentSheets(segments: readonly SegmentResult[]): Sheet[] {
  return segments.map((segment) => ({
    name: segment.name,
    frame: segment.frame,
    about: segmentInWords(segment),
  }));
}

/** "Negative gross margin (churn risk): mrr > 0 and …; 3 organizations — 1 organization … not judged" */
export function segmentInWords(segment: SegmentResult): string {
  const count = segment.frame.height;
  return `${segment.title}: ${segment.rule}; ${n(count)} organization${count === 1 ? "" : "s"}${
    segment.notJudged ? ` — ${segment.notJudged.text}` : ""
  }`;
}
