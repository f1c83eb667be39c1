/**
 * Recurring MRR in each billing currency between two history snapshots, exactly: a snapshot stores
 * each organization's recurring MRR in its billing currency's minor units (`mrr_recurring_minor`,
 * lib/revenue/columns.ts), which no export file has. The USD totals of a comparison move with the
 * FX rates too (compare_fx.ts); these do not, so "did our EUR customers pay more?" is answered in
 * euros. An organization counts in a currency where it is billed in that one currency in both
 * files (or in one of them, at 0 in the other: new, lost, or in one file only, which counts from
 * or to 0 as the totals do); one whose currency changed, or whose amount one file does not know,
 * is counted apart, never converted or guessed. The CLI's compare and MCP's compare_exports share
 * it.
 */
import pl from "nodejs-polars";
import { extname } from "node:path";
import { currencyPrefix, formatMinorUnits, minorUnitsPerUnit } from "../revenue/currency.ts";
import { compareText } from "../core/text_order.ts";
import { formatCount, UNKNOWN_MARK } from "../report/numbers.ts";
import { UserError } from "../core/user_error.ts";
import { quoteValue } from "../core/quote.ts";
import { currencyCode } from "../history/bridge_fx.ts";
import {
  escapeMarkdown,
  markdownTable,
  type TrustedMarkdown,
  trustedMarkdown,
} from "../formats/markdown.ts";

const MINOR = "mrr_recurring_minor";

/**
 * A compared file's native amounts (a lazy scan of its org_id, currency, mrr_recurring_minor and,
 * when it has it, revenue_source), or why it has none (a sentence's end, after its label).
 */
export type NativeSide = { scan: pl.LazyDataFrame; siblings: boolean } | { missing: string };

/**
 * The native amounts of the file at `path`; `missing` for an export file (CSV, XLSX: none
 * stored), a snapshot written before the column (an older kit) and one holding it empty while
 * some organization has recurring MRR (imported from an export file, or stored by an older kit).
 * Scanned, not read: a comparison's one aggregate reads the four columns (two whole million-row
 * snapshots' held ~0.5 GB more).
 */
export function nativeSide(path: string): NativeSide {
  if (extname(path).toLowerCase() !== ".parquet") {
    return { missing: `is an export file, which holds no ${MINOR} (history snapshots store it)` };
  }
  const scan = pl.scanParquet(path);
  const inFile = new Set(scan.columns);
  if (!inFile.has(MINOR)) {
    return { missing: `was stored by a kit before ${MINOR}: it holds no native amounts` };
  }
  const paying = inFile.has("mrr_recurring") ? pl.col("mrr_recurring").gt(0).sum() : pl.lit(0);
  checkMinorType(scan, path);
  const amount = pl.col(MINOR).cast(pl.Float64);
  const seen = scan.select(
    pl.col(MINOR).isNotNull().sum().alias("known"),
    paying.alias("paying"),
    notWhole(amount).sum().alias("not_whole"),
    amount.abs().sum().alias("magnitude"),
  ).collectSync().toRecords()[0];
  checkMinorValues(scan, {
    path,
    seen: { notWhole: Number(seen.not_whole), magnitude: seen.magnitude },
  });
  if (Number(seen.known) === 0 && Number(seen.paying) > 0) {
    return {
      missing:
        `holds ${MINOR} empty (imported from an export file, or stored by an older kit): no native amounts`,
    };
  }
  const siblings = inFile.has("revenue_source");
  return {
    scan: scan.select("org_id", "currency", MINOR, ...(siblings ? ["revenue_source"] : [])),
    siblings,
  };
}

/** What a snapshot's native amounts that no kit wrote are refused with: the fix. */
const REWRITE =
  `the kit writes whole numbers of minor units there: import the snapshot again from its export (deno task history import)`;

/** A known amount that is no whole number (NaN, infinite, a fraction): the kit writes none. */
const notWhole = (amount: pl.Expr) =>
  amount.isNotNull().and(amount.isFinite().not().or(amount.round(0).neq(amount)));

/**
 * The file's amounts must be numbers: a snapshot written by another tool (a script, pandas) may
 * hold text, which Polars refused in words of its own ("cannot compare string with numeric type").
 * A float column of whole numbers is read (pandas writes an integer column with nulls as one).
 */
function checkMinorType(scan: pl.LazyDataFrame, path: string): void {
  const column = scan.select(MINOR).head(0).collectSync().getColumn(MINOR);
  const { variant } = column.dtype;
  if (column.isNumeric() || variant === "Null") return;
  throw new UserError(
    `${path} column ${MINOR} holds ${
      variant === "String" ? "text" : "values"
    } (${variant}), not numbers; ${REWRITE}`,
  );
}

/**
 * Refuses amounts the kit never writes, naming the first organization: read as numbers, a NaN or
 * infinity summed to "€NaN.NaN", a fraction was rounded away, and amounts whose magnitudes sum
 * past 2^53 are summed inexactly in a double (and past Int64 in compare_exports' *_minor); with
 * them at most that, every sum here is exact.
 */
function checkMinorValues(
  scan: pl.LazyDataFrame,
  { path, seen }: { path: string; seen: { notWhole: number; magnitude: unknown } },
): void {
  if (seen.notWhole > 0) {
    const amount = pl.col(MINOR).cast(pl.Float64);
    const first = scan.filter(notWhole(amount)).select("org_id", amount.alias(MINOR)).head(1)
      .collectSync().toRecords()[0];
    throw new UserError(
      `${path} column ${MINOR} (organization ${quoteValue(String(first.org_id))}): ${
        String(first[MINOR])
      } is not a whole number; ${REWRITE}`,
    );
  }
  if (Number(seen.magnitude) > Number.MAX_SAFE_INTEGER) {
    throw new UserError(
      `${path} column ${MINOR}: its amounts' magnitudes sum past 2^53 minor units (${
        formatCount(Number.MAX_SAFE_INTEGER)
      }), where sums are no longer exact and no company's MRR is; ${REWRITE}`,
    );
  }
}

/** One currency's recurring MRR in both files, in its minor units. */
export interface NativeCurrencyChange {
  currency: string;
  /** organizations counted: billed in it in either file, not at 0 in both */
  organizations: number;
  old_minor: number;
  new_minor: number;
  change_minor: number;
}

export interface NativeMrrChange {
  /** USD first, then by code */
  byCurrency: NativeCurrencyChange[];
  /** billed in one currency in one file and another in the other (not at 0 in either) */
  currencyChanged: number;
  /**
   * with an amount one file does not know (revenue not read, several currencies at once, a price
   * without an amount in its currency)
   */
  unknown: number;
  /** on a shared Stripe customer's sibling row in either file (the amount is on the paying row) */
  onSibling: number;
}

/** A side's kind of amount (Int8 codes: two million-row sides' text kinds weighed). */
const KIND = { zero: 0, billed: 1, unknown: 2, sibling: 3 } as const;

/** A side's kind of amount: on a sibling's row, unknown, 0, or billed in one currency. */
function sideColumns(siblings: boolean, suffix: "o" | "n"): pl.Expr[] {
  const minor = pl.col(MINOR);
  const currency = currencyCode(pl.col("currency"));
  const sibling = siblings
    ? pl.col("revenue_source").eq(pl.lit("shared_customer")).fillNull(false)
    : pl.lit(false);
  const code = (kind: keyof typeof KIND) => pl.lit(KIND[kind]).cast(pl.Int8);
  return [
    pl.col("org_id"),
    pl.when(sibling).then(code("sibling"))
      .when(minor.isNull()).then(code("unknown"))
      .when(minor.eq(0)).then(code("zero"))
      .when(currency.isNull().or(currency.str.contains(","))).then(code("unknown"))
      .otherwise(code("billed")).alias(`kind_${suffix}`),
    currency.alias(`currency_${suffix}`),
    minor.cast(pl.Float64).alias(`minor_${suffix}`),
  ];
}

/** The native change between the old and the new file's amounts (nativeSide scans). */
export function nativeMrrChange(
  old: Extract<NativeSide, { scan: unknown }>,
  newer: Extract<NativeSide, { scan: unknown }>,
): NativeMrrChange {
  const [ko, kn] = [pl.col("kind_o"), pl.col("kind_n")];
  const is = (kind: pl.Expr, name: keyof typeof KIND) => kind.eq(pl.lit(KIND[name]));
  const either = (name: keyof typeof KIND) => is(ko, name).or(is(kn, name));
  const amount = (suffix: "o" | "n") =>
    pl.when(is(pl.col(`kind_${suffix}`), "billed")).then(pl.col(`minor_${suffix}`))
      .otherwise(pl.lit(0));
  // one aggregate: per class and currency, the organizations and both sums
  const grouped = old.scan.select(...sideColumns(old.siblings, "o"))
    .join(newer.scan.select(...sideColumns(newer.siblings, "n")), {
      on: "org_id",
      how: "full",
      coalesce: true,
    } as never)
    // an organization in one file only counts from or to 0 in the other
    .withColumns(ko.fillNull(pl.lit(KIND.zero)), kn.fillNull(pl.lit(KIND.zero)))
    .filter(is(ko, "zero").and(is(kn, "zero")).not())
    .select(
      pl.when(either("sibling")).then(pl.lit("sibling"))
        .when(either("unknown")).then(pl.lit("unknown"))
        .when(
          is(ko, "zero").or(is(kn, "zero")).or(pl.col("currency_o").eq(pl.col("currency_n"))),
        ).then(pl.lit("counted"))
        .otherwise(pl.lit("changed")).alias("class"),
      pl.when(is(ko, "billed")).then(pl.col("currency_o")).otherwise(pl.col("currency_n"))
        .alias("currency"),
      amount("o").alias("old_minor"),
      amount("n").alias("new_minor"),
    )
    .groupBy(["class", "currency"])
    .agg(
      pl.len().alias("organizations"),
      pl.col("old_minor").sum(),
      pl.col("new_minor").sum(),
    )
    .collectSync().toRecords();
  const count = (name: string) =>
    grouped.filter((r) => r.class === name).reduce((n, r) => n + Number(r.organizations), 0);
  const rows = grouped.filter((r) => r.class === "counted") as unknown as NativeCurrencyChange[];
  const byCurrency = rows.map((r) => ({
    currency: String(r.currency),
    organizations: Number(r.organizations),
    old_minor: Number(r.old_minor),
    new_minor: Number(r.new_minor),
    // whole minor units: exact in a double up to 2^53
    change_minor: Number(r.new_minor) - Number(r.old_minor),
  })).sort((a, b) =>
    Number(b.currency === "USD") - Number(a.currency === "USD") ||
    compareText(a.currency, b.currency)
  );
  return {
    byCurrency,
    currencyChanged: count("changed"),
    unknown: count("unknown"),
    onSibling: count("sibling"),
  };
}

/**
 * A change in minor units as its currency writes it, signed: "+€90.00", "-¥1,500", "€0.00" (and
 * for one that rounds to no minor unit), "–" when not known (as signedUsd).
 */
export function signedMinor(minor: number, currency: string): string {
  const shown = formatMinorUnits(minor, currency);
  return minor > 0 && /[1-9]/.test(shown.slice(currencyPrefix(currency).length))
    ? `+${shown}`
    : shown;
}

/** Minor units in the currency's units: 9000 EUR cents 90, 15000 yen 15000. */
export function minorInUnits(minor: number, currency: string): number {
  return minor / minorUnitsPerUnit(currency);
}

/** What the section says of the organizations left out; null when none is. */
export function nativeLeftOut(change: NativeMrrChange): string | null {
  const parts = [
    change.currencyChanged > 0
      ? `${formatCount(change.currencyChanged)} whose billing currency changed`
      : null,
    change.unknown > 0
      ? `${
        formatCount(change.unknown)
      } whose amount one file does not know (revenue not read, billed in several currencies at once)`
      : null,
    change.onSibling > 0
      ? `${
        formatCount(change.onSibling)
      } on a shared Stripe customer's sibling row in one file (the customer's amount is on its paying organization's row)`
      : null,
  ].filter((part): part is string => part !== null);
  return parts.length === 0
    ? null
    : `not counted in any currency: ${
      parts.join("; ")
    } (their USD change is in mrr_recurring's, converted at each file's FX rates)`;
}

/** The sentence that says what the amounts are. */
export const NATIVE_MRR_NOTE =
  "Recurring MRR in each billing currency, exactly as Stripe bills it (mrr_recurring_minor of the history snapshots, summed before any conversion, so no FX rate moves it): an organization counts in the currency it is billed in, from or to 0 where it pays nothing or is in one file only";

/** A compared file as nativeComparison reads it. */
export interface NativeFile {
  label: string;
  path: string;
}

/**
 * The native comparison of two files: null when neither is a history snapshot (export files hold
 * no native amounts: nothing to say); else the change, or why it cannot be told, naming each file
 * that lacks them ("snapshot 2026-10-01 was stored by a kit before mrr_recurring_minor: …").
 */
export function nativeComparison(
  old: NativeFile,
  newer: NativeFile,
): { change: NativeMrrChange } | { missing: string } | null {
  const snapshot = (file: NativeFile) => extname(file.path).toLowerCase() === ".parquet";
  if (!snapshot(old) && !snapshot(newer)) return null;
  const [o, n] = [nativeSide(old.path), nativeSide(newer.path)];
  if ("scan" in o && "scan" in n) return { change: nativeMrrChange(o, n) };
  const sides: [NativeFile, NativeSide][] = [[old, o], [newer, n]];
  const lacking = sides.flatMap(([file, side]) =>
    "missing" in side ? [`${file.label} ${side.missing}`] : []
  );
  return {
    missing: `not compared: ${lacking.join("; ")}; the USD change (mrr_recurring) is in the totals`,
  };
}

/**
 * An amount's cell: the kit's sign and figure, trusted (a leading + is no list marker), around the
 * currency's prefix, which is data: a currency with no symbol is written by its code, and a
 * snapshot's code is text from a file (an import, a colleague's), escaped and cut as its own cell.
 */
function amountCell(
  minor: number,
  currency: string,
  { signed = false }: { signed?: boolean } = {},
): TrustedMarkdown {
  const prefix = currencyPrefix(currency);
  const text = signed ? signedMinor(minor, currency) : formatMinorUnits(minor, currency);
  if (text === UNKNOWN_MARK) return trustedMarkdown(text);
  // a sign of one character where one is written (none on an amount that rounds to zero), the
  // prefix, the figure
  const signLength = /^[-+]/.test(text) ? 1 : 0;
  const code = escapeMarkdown(prefix);
  return trustedMarkdown(
    `${text.slice(0, signLength)}${code}${prefix.endsWith(" ") ? " " : ""}${
      text.slice(signLength + prefix.length)
    }`,
  );
}

/**
 * The comparison's rows as a Markdown table's: the currency (data, escaped by markdownTable), the
 * kit's counts and amounts written in their currency (amountCell).
 */
function nativeRows(change: NativeMrrChange) {
  return change.byCurrency.map((row) => [
    row.currency,
    trustedMarkdown(formatCount(row.organizations)),
    amountCell(row.old_minor, row.currency),
    amountCell(row.new_minor, row.currency),
    amountCell(row.change_minor, row.currency, { signed: true }),
  ]);
}

/** The table's header (nativeRows). */
export const NATIVE_HEADER = ["currency", "organizations", "old", "new", "change"];

/** What nativeComparison found, for a comparison's context (the Markdown summary's section). */
export type NativeComparison = ReturnType<typeof nativeComparison>;

/**
 * The Markdown summary's section: the note and a table per currency, then who is left out; or the
 * one line saying why there is none. No lines when neither file is a snapshot.
 */
export function nativeMarkdown(native: NativeComparison): string[] {
  if (native === null) return [];
  const heading = ["## Recurring MRR per billing currency", ""];
  const sentence = (text: string) =>
    `${escapeMarkdown(text.charAt(0).toUpperCase() + text.slice(1), { maxLength: Infinity })}.`;
  if ("missing" in native) return [...heading, sentence(native.missing), ""];
  const leftOut = nativeLeftOut(native.change);
  return [
    ...heading,
    sentence(NATIVE_MRR_NOTE),
    "",
    native.change.byCurrency.length === 0
      ? "No organization is billed in any currency in either file."
      : markdownTable(NATIVE_HEADER, nativeRows(native.change)),
    "",
    ...(leftOut ? [sentence(leftOut), ""] : []),
  ];
}
