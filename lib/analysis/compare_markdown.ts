/**
 * What a comparison of two exports says in words (lib/analysis/compare.ts): the refusals (old
 * after new, demo against live data), the warning for two windows, the note for one window other
 * than 30 days and the Markdown summary.
 */
import { formatChangePct, formatCount, formatUsd, UNKNOWN_MARK } from "../report/numbers.ts";
import {
  escapeMarkdown,
  markdownCode,
  markdownTable,
  type TrustedMarkdown,
  trustedMarkdown,
} from "../formats/markdown.ts";
import type { WindowBasis } from "../frame/columns.ts";
import type { DemoMark } from "../formats/export_demo.ts";
import { listInWords, someInWords } from "../core/words.ts";
import { type NativeComparison, nativeMarkdown } from "./compare_native.ts";
import { type ExportPart, exportPart, partName } from "../report/export_parts.ts";
import { type ChangeColumn, type ComparisonSummary, NUMERIC_COLUMNS } from "./compare_rows.ts";

export interface ComparisonContext {
  oldLabel: string;
  newLabel: string;
  oldStamp: string;
  newStamp: string;
  /** each file's window in days (its name's `_<N>d`, else 30); absent when unknown */
  oldWindowDays?: number;
  newWindowDays?: number;
  /** the part of the export both files are (one segment of two dates), when not the whole */
  part?: ExportPart;
  /** the two files' FX rates differ for a currency someone is billed in (compare_fx.ts) */
  fxWarning?: string;
  /** the MRR of Stripe customers no organization maps to, old and new (compare_unmapped.ts) */
  unmappedNote?: string;
  /**
   * the columns a file written by an earlier kit version did not have (read as empty, so their
   * totals and changes read UNKNOWN_MARK, as the Totals table shows them): lackedColumnsNote
   */
  lackedNote?: string;
  /** recurring MRR per billing currency, when a file is a history snapshot (compare_native.ts) */
  native?: NativeComparison;
}

/**
 * "old (x.csv) was written by an earlier kit version, before ptb_requests_cost_unknown_30d: …",
 * for each side whose file lacks columns every reader takes as they are
 * (lib/frame/earlier_columns.ts, readAsIs); undefined when neither does. Its totals and changes
 * read `shownAs`, the word the table beside the note shows them as (UNKNOWN_MARK in the summary's
 * Totals, "empty" in compare_exports' cells): one word for one thing.
 */
export function lackedColumnsNote(
  sides: readonly { side: string; label: string; lacks: readonly string[] }[],
  shownAs: string,
): string | undefined {
  const said = sides.filter(({ lacks }) => lacks.length > 0).map(({ side, label, lacks }) =>
    `${side} (${label}) was written by an earlier kit version, before ${
      someInWords([...lacks], { shown: 5 })
    }: read as empty, so ${lacks.length === 1 ? "its" : "their"} totals and changes read ${shownAs}`
  );
  return said.length > 0 ? said.join("; ") : undefined;
}

/** "Not in…" of "not in…". */
const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "1 day", "7 days". */
const daysText = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

/** The window figures besides the *_30d columns (lib/frame/columns.ts), named in the notes. */
const otherWindowColumns = () => columnsOn("window").filter((name) => !name.endsWith("_30d"));

/**
 * The warning for two exports of different windows, or null: a 7-day export's `_30d` columns
 * hold 7 days' usage, so against a 30-day export their deltas read as a collapse (−77 %) that is
 * only the shorter window. The values are compared as written, not rescaled: only some `_30d`
 * columns add up over days (active_users_30d does not). It names the columns of each window
 * basis from the column table (`window` in lib/frame/columns.ts).
 */
export function windowMismatchWarning(
  { oldWindowDays, newWindowDays }: { oldWindowDays?: number; newWindowDays?: number },
): string | null {
  if (oldWindowDays === undefined || newWindowDays === undefined) return null;
  if (oldWindowDays === newWindowDays) return null;
  return `old covers ${daysText(oldWindowDays)}, new ${
    daysText(newWindowDays)
  }: the window figures' deltas (the *_30d columns, ${
    listInWords(otherWindowColumns())
  }) compare different windows, not a change (values as written, not rescaled); ${
    listInWords(columnsOn("30-day basis"))
  } set the window's usage on a 30-day basis in both; ${
    listInWords(columnsOn("window ratio"))
  } divide two window figures (the window's length cancels)`;
}

/**
 * The note for two exports of one window other than 30 days, or null: their `_30d` columns hold
 * each side's N-day window (a 7-day export's llm_cost_30d is 7 days' cost) while mrr is monthly,
 * which nothing else in a comparison says. It names the columns of each window basis as
 * windowMismatchWarning does.
 */
export function sharedWindowNote(
  { oldWindowDays, newWindowDays }: { oldWindowDays?: number; newWindowDays?: number },
): string | null {
  if (oldWindowDays === undefined || oldWindowDays !== newWindowDays) return null;
  if (oldWindowDays === 30) return null;
  const days = daysText(oldWindowDays);
  // "7 days' figures", "1 day's figures"
  const daysOf = oldWindowDays === 1 ? "1 day's" : `${days}'`;
  return `both cover ${days}, not 30: the *_30d columns (and ${
    listInWords(otherWindowColumns())
  }) hold each side's ${daysOf} figures, so their totals are ${daysOf} sums, while mrr and the other amounts per month are monthly; ${
    listInWords(columnsOn("30-day basis"))
  } set the window's usage on a 30-day basis`;
}

/**
 * The window a Totals row reads, when that is not 30 days: each side's when they differ
 * (`30 days → 7 days`), one (`7 days`) when they do not; `30-day basis` for a column that sets the
 * window's usage on it; null for the others (monthly amounts, counts at the as-of) and for two
 * 30-day exports or an unknown window. The summary's Totals and the totals CSV say it alike.
 */
export function totalsWindow(
  name: string,
  { oldWindowDays, newWindowDays }: { oldWindowDays?: number; newWindowDays?: number },
): string | null {
  if (oldWindowDays === undefined || newWindowDays === undefined) return null;
  if (oldWindowDays === 30 && newWindowDays === 30) return null;
  if (columnsOn("window").includes(name)) {
    return oldWindowDays === newWindowDays
      ? daysText(oldWindowDays)
      : `${daysText(oldWindowDays)} → ${daysText(newWindowDays)}`;
  }
  return columnsOn("30-day basis").includes(name) ? "30-day basis" : null;
}

/**
 * A Totals row's name: the column, and the window it reads (totalsWindow), so a row copied out of
 * the table still says its change compares two windows (`llm_cost_30d` (30 days → 7 days)).
 */
function totalsLabel(
  name: string,
  windows: { oldWindowDays?: number; newWindowDays?: number },
): TrustedMarkdown {
  const code = markdownCode(name);
  const window = totalsWindow(name, windows);
  return window === null ? code : trustedMarkdown(`${code.markdown} (${window})`);
}

/** One side of a comparison for the order check: its label and as-of date (null: unknown). */
export interface ComparedSide {
  label: string;
  /** `YYYY-MM-DD`; null for a renamed file (its date is unknown: a copy's file time is not it) */
  asOfDate: string | null;
}

/**
 * The one-line refusal when old is dated after new, else null: compared the wrong way round, every
 * organization added since reads as disappeared and every rise as a fall. The same date (a 30-day
 * and a 7-day export, an export and its snapshot) is no order.
 */
export function reversedOrderError(old: ComparedSide, newer: ComparedSide): string | null {
  if (old.asOfDate === null || newer.asOfDate === null) return null;
  if (!asOfAfter(old.asOfDate, newer.asOfDate)) return null;
  return `old ${old.label} (as of ${old.asOfDate}) is newer than new ${newer.label} (as of ${newer.asOfDate}): swap them, the older export first`;
}

/**
 * Whether as-of `a` is after `b`: by instant when both have a time (as text `…00.250Z` sorts
 * before `…00Z`), by date when either is a date alone (its time unknown: the same date is no
 * order).
 */
function asOfAfter(a: string, b: string): boolean {
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  if (DATE.test(a) || DATE.test(b)) return a.slice(0, 10) > b.slice(0, 10);
  const [instantA, instantB] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(instantA) || Number.isNaN(instantB) ? a > b : instantA > instantB;
}

/**
 * The one-line refusal when exactly one side is demo data (its name, manifest or sidecar says so,
 * lib/formats/export_demo.ts), else null: the synthetic organizations against real ones match
 * nobody, so every organization would read as appeared or disappeared and every total as a change.
 */
export function mixedDemoError(
  old: { label: string } & DemoMark,
  newer: { label: string } & DemoMark,
): string | null {
  if (old.demo === newer.demo) return null;
  const [demo, other] = old.demo ? [old, newer] : [newer, old];
  const role = (side: typeof old) => side === old ? "old" : "new";
  return `${role(demo)} ${demo.label} is demo data (${demo.why}) and ${
    role(other)
  } ${other.label} is not: the synthetic dataset against real data compares nothing; compare two live exports or two demo ones`;
}

/** One side of a comparison for the parts check: its label and its name's suffix. */
export interface PartSide {
  label: string;
  /** the suffix after the name's stamp, null for the whole export; undefined: renamed, unknown */
  suffix: string | null | undefined;
}

/**
 * The one-line refusal when the two files are different parts of an export (a segment against
 * the whole export, two segments, the trimmed CSV against the whole), else null: whoever is in one
 * and not the other would read as appeared or disappeared — entered the segment, not joined the
 * company — and every total as a change. Two files of one segment compare (who entered or left
 * it, how its totals moved). A renamed file, or a suffix the kit never writes, is not judged.
 */
export function mixedPartsError(old: PartSide, newer: PartSide): string | null {
  if (old.suffix === undefined || newer.suffix === undefined) return null;
  if (old.suffix === newer.suffix) return null;
  const known = [old.suffix, newer.suffix].filter((s) => s !== null && exportPart(s) !== null);
  if (known.length === 0) return null;
  const example = known.map((suffix) => `two …_${suffix}.csv files`).join(" or ");
  return `old ${old.label} is ${partName(old.suffix)} and new ${newer.label} is ${
    partName(newer.suffix)
  }: organizations in one and not the other would read as appeared or disappeared and every total as a change; compare files of one kind (${example}, or the two whole exports)`;
}

/** The compared (numeric) columns that read the window as `basis` says, in the table's order. */
export function columnsOn(basis: WindowBasis): string[] {
  return NUMERIC_COLUMNS.filter((def) => def.window === basis).map((def) => def.name);
}

/** A total or change in the Totals table ("-" for a fall, as every table of the kit's text). */
function amount(value: number, unit: string): string {
  return unit.startsWith("USD") ? formatUsd(value) : formatCount(value);
}

function signed(value: number | null, unit: string): string {
  if (value === null) return UNKNOWN_MARK;
  const shown = amount(value, unit);
  return value > 0 && /[1-9]/.test(shown) ? `+${shown}` : shown;
}

/**
 * One file's total: UNKNOWN_MARK when every value was unknown (a file without Stripe has no MRR,
 * not $0), else the known values' sum and how many organizations' values it skipped.
 */
function sideTotal(total: number | null, unknown: number, { unit }: { unit: string }): string {
  if (total === null) return UNKNOWN_MARK;
  const shown = amount(total, unit);
  return unknown > 0 ? `${shown} (${formatCount(unknown)} unknown)` : shown;
}

function listOrgs(result: ComparisonSummary, presence: "appeared" | "disappeared"): string {
  const listed = result.listed[presence];
  if (listed.length === 0) return "None.";
  const shared = listed.some((org) => org.sharedCustomer);
  const lines = [
    markdownTable(
      ["org_id", "org_name", "tier", "mrr", ...(shared ? ["stripe_customer"] : [])],
      listed.map((org) => [
        String(org.org_id),
        String(org.org_name ?? ""),
        String(org.tier ?? ""),
        org.mrr === null ? "–" : formatUsd(org.mrr),
        ...(shared ? [org.sharedCustomer ? "shared" : ""] : []),
      ]),
    ),
  ];
  if (shared) {
    // its MRR moved from (or to) another organization of the same customer: not new or lost business
    lines.push(
      "",
      `stripe_customer shared: the organization's Stripe customer is shared with other organizations of the ${
        presence === "appeared" ? "new" : "old"
      } export, whose revenue is shown once, on its paying organization's row (highest tier, then newest; the others count $0); its MRR is the customer's, not necessarily ${
        presence === "appeared" ? "new" : "lost"
      } business (see the other organizations' mrr_delta in the per-organization file).`,
    );
  }
  const total = result.counts[presence];
  if (total > listed.length) lines.push("", `… and ${formatCount(total - listed.length)} more.`);
  return lines.join("\n");
}

/** One column's changes (ComparisonTally.changes) as a table, or "None.". */
function changesTable(changes: ComparisonSummary["tierChanges"], name: ChangeColumn): string {
  if (changes.height === 0) return "None.";
  const column = (suffix: string) => changes.getColumn(`${name}_${suffix}`).toArray() as string[];
  const [froms, tos] = [column("old"), column("new")];
  const counts = changes.getColumn("organizations").toArray() as number[];
  return markdownTable(
    ["from", "to", "organizations"],
    froms.map((from, i) => [from, tos[i], formatCount(Number(counts[i]))]),
  );
}

/** A Markdown summary: counts, totals, tier, raw tier and plan changes, who appeared and disappeared. */
export function comparisonMarkdown(result: ComparisonSummary, context: ComparisonContext): string {
  const c = result.counts;
  const t = result.totals;
  const get = (name: string) => t.getColumn(name).toArray() as unknown[];
  const [columns, units, olds, news, deltas, pcts, unknownOlds, unknownNews] = [
    "column",
    "unit",
    "old_total",
    "new_total",
    "delta",
    "change_pct",
    "unknown_old",
    "unknown_new",
  ].map(get);
  const warning = windowMismatchWarning(context);
  const note = sharedWindowNote(context);
  return [
    `# Export comparison: ${escapeMarkdown(context.oldStamp)} → ${
      escapeMarkdown(context.newStamp)
    }`,
    "",
    // kit-authored, escaped for its `*_30d`; longer than a data cell's cut
    ...(warning ? [`> **Warning: ${escapeMarkdown(warning, { maxLength: Infinity })}.**`, ""] : []),
    ...(note ? [`> **Note: ${escapeMarkdown(note, { maxLength: Infinity })}.**`, ""] : []),
    ...(context.fxWarning
      ? [`> **Warning: ${escapeMarkdown(context.fxWarning, { maxLength: Infinity })}.**`, ""]
      : []),
    `Old: ${escapeMarkdown(context.oldLabel)}. New: ${
      escapeMarkdown(context.newLabel)
    }. Organizations are matched by org_id.`,
    "",
    ...(context.part
      ? [
        `Both files are ${context.part.name} only (${
          escapeMarkdown(context.part.holds, { maxLength: Infinity })
        }): an organization that appeared or disappeared entered or left it (not necessarily joined or left the company), and the totals are its organizations'.`,
        "",
      ]
      : []),
    "## Organizations",
    "",
    markdownTable(["measure", "value"], [
      ["in the old export", formatCount(c.organizationsOld)],
      ["in the new export", formatCount(c.organizationsNew)],
      ["in both", formatCount(c.inBoth)],
      ["appeared (only in the new export)", formatCount(c.appeared)],
      ["disappeared (only in the old export)", formatCount(c.disappeared)],
      ["tier changed", formatCount(c.tierChanged)],
      ["raw tier (tier_raw) changed", formatCount(c.tierRawChanged)],
      ["plan changed", formatCount(c.planChanged)],
      [
        "renamed (org_name changed; the per-organization CSV's org_name_old)",
        formatCount(c.renamed),
      ],
    ]),
    "",
    "## Totals",
    "",
    "Sums over each whole file; empty cells (unknown) are skipped, and “(N unknown)” says how " +
    "many organizations' values a sum skipped. The change and % are like for like: over the " +
    "organizations whose value both exports know (one in only one export counts from or to 0), " +
    "so a value that became unknown is not read as a fall; where a sum skipped some, the change " +
    `is not new − old. Where every value of an export is unknown its total reads ${UNKNOWN_MARK} ` +
    "(unknown), and so do the change and %.",
    "",
    markdownTable(
      ["column", "old", "new", "change", "%"],
      columns.map((name, i) => {
        const unit = units[i] as string;
        const [before, after] = [olds[i], news[i]] as (number | null)[];
        return [
          totalsLabel(String(name), context),
          sideTotal(before, Number(unknownOlds[i]), { unit }),
          sideTotal(after, Number(unknownNews[i]), { unit }),
          signed(deltas[i] as number | null, unit),
          before === null || after === null
            ? UNKNOWN_MARK
            : formatChangePct(pcts[i] as number | null),
        ];
      }),
    ),
    "",
    // kit-authored text: why a column's totals read UNKNOWN_MARK on one side
    ...(context.lackedNote
      ? [`${escapeMarkdown(upperFirst(context.lackedNote), { maxLength: Infinity })}.`, ""]
      : []),
    // kit-authored text with numbers: a sentence, not a cell (so not cut)
    ...(context.unmappedNote
      ? [`${escapeMarkdown(upperFirst(context.unmappedNote), { maxLength: Infinity })}.`, ""]
      : []),
    ...nativeMarkdown(context.native ?? null),
    "## Tier changes",
    "",
    changesTable(result.tierChanges, "tier"),
    "",
    "## Raw tier changes (`tier_raw`)",
    "",
    changesTable(result.tierRawChanges, "tier_raw"),
    "",
    "## Plan changes",
    "",
    changesTable(result.planChanges, "plan"),
    "",
    "## Appeared",
    "",
    listOrgs(result, "appeared"),
    "",
    "## Disappeared",
    "",
    listOrgs(result, "disappeared"),
    "",
  ].join("\n");
}
