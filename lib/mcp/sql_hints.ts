/**
 * query_sql's hints for the two slips a model makes most: a column name a few characters off
 * (`llm_cost` for `llm_cost_30d`), and a text value the data does not have (`plan = 'pro
 * 2025-12-01'`, `tier = 'Pro'`), which answered an empty table and nothing else: read as "no such
 * organizations", not as a typo.
 */
import pl from "nodejs-polars";
import { nearestName } from "../core/nearest_name.ts";
import { dataLiteral } from "./text.ts";

/** Polars' words for an unknown column: `unable to find column "x"; valid columns: [...]`. */
const UNKNOWN_COLUMN = /unable to find column "((?:[^"\\]|\\.)*)"; valid columns: (\[[^\]]*\])/;

/**
 * Polars' unknown-column message with the nearest valid column named (`did you mean
 * llm_cost_30d?`), or said to have none near it; any other message as it was.
 */
export function unknownColumnHint(message: string): string {
  const match = message.match(UNKNOWN_COLUMN);
  if (!match) return message;
  let columns: string[];
  try {
    columns = JSON.parse(match[2]);
  } catch {
    return message;
  }
  const near = nearestName(match[1], columns);
  const hint = near
    ? ` (did you mean ${near}?)`
    : " (no column is near it: the data has no such field; describe_dataset defines every column)";
  const at = match.index! + `unable to find column "${match[1]}"`.length;
  return message.slice(0, at) + hint + message.slice(at);
}

/** Past this many distinct values a column is not searched for a near one (org names at scale). */
const MAX_VALUES = 10_000;

/** `col = 'text'` or `col IN ('a', 'b')`, the column maybe qualified (`p.plan`). */
const COMPARISON =
  /(?:\b[A-Za-z_][A-Za-z0-9_]*\.)?"?\b([A-Za-z_][A-Za-z0-9_]*)"?\s*(?:=|\bin\s*\()\s*((?:'(?:[^']|'')*'\s*,?\s*)+)/gi;
const LITERAL = /'((?:[^']|'')*)'/g;

/**
 * For a statement over `pricing_data`: each text literal it compares a text column with (`=`,
 * `IN`) that no organization has, with the nearest value there is (`plan has no value
 * "pro 2025-12-01": did you mean "pro 2025-12-10"?`), values and literals escaped as data; null
 * when every literal is a value (the rows are truly none).
 */
export function missingValuesHint(sql: string, frame: pl.DataFrame): string | null {
  const textColumns = new Map(
    frame.columns
      .filter((name) => frame.getColumn(name).dtype.equals(pl.String))
      .map((name) => [name.toLowerCase(), name]),
  );
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const comparison of sql.matchAll(COMPARISON)) {
    const column = textColumns.get(comparison[1].toLowerCase());
    if (!column) continue;
    let values: string[] | null = null;
    for (const literal of comparison[2].matchAll(LITERAL)) {
      const value = literal[1].replaceAll("''", "'");
      const key = `${column}\u0000${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      values ??= distinctValues(frame, column);
      if (values === null || values.includes(value)) continue;
      const near = nearestName(value, values);
      const listed = values.length <= 12
        ? ` (its values: ${values.map(dataLiteral).join(", ")})`
        : "";
      notes.push(
        `${column} has no value ${dataLiteral(value)}${
          near ? `: did you mean ${dataLiteral(near)}?` : listed
        }`,
      );
    }
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** A date, or a date and time (an `as_of` key's form), at its start. */
const DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * For a statement over `history`: each `as_of` literal (`=`, `IN`) that no snapshot has, with the
 * snapshots of its date (an export as-of now is keyed with its time, so `as_of = '2026-12-06'`
 * found no row and said nothing), else the nearest before and after it (`'2026-11-30'` for a
 * month end, which is the 1st after it), escaped as data; null when every literal is an as-of.
 * `asOfs`: the snapshots' keys, oldest first.
 */
export function historyAsOfHint(sql: string, asOfs: readonly string[]): string | null {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const comparison of sql.matchAll(COMPARISON)) {
    if (comparison[1].toLowerCase() !== "as_of") continue;
    for (const literal of comparison[2].matchAll(LITERAL)) {
      const value = literal[1].replaceAll("''", "'");
      if (seen.has(value) || asOfs.includes(value)) continue;
      seen.add(value);
      notes.push(`as_of has no value ${dataLiteral(value)}${asOfNote(value, asOfs)}`);
    }
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** What a missing as-of is near: the snapshots of its date, else those before and after it. */
function asOfNote(value: string, asOfs: readonly string[]): string {
  const date = value.match(DATE)?.[0];
  if (date === undefined) {
    const listed = asOfs.length <= 12 ? ` (its values: ${asOfs.map(dataLiteral).join(", ")})` : "";
    return asOfs.length === 0 ? " (no snapshot is stored)" : listed;
  }
  const sameDate = asOfs.filter((asOf) => asOf.startsWith(date));
  if (sameDate.length > 0) {
    const are = sameDate.length === 1
      ? "the snapshot of that date is"
      : "the snapshots of that date are";
    return `: ${are} ${
      sameDate.map(dataLiteral).join(", ")
    } (as_of is the date alone only at 00:00 UTC)`;
  }
  // keys of other dates compare by date as text (YYYY-MM-DD first)
  const before = asOfs.filter((asOf) => asOf.slice(0, 10) < date).at(-1);
  const after = asOfs.find((asOf) => asOf.slice(0, 10) > date);
  const sides = [
    ...(before ? [`${dataLiteral(before)} before it`] : []),
    ...(after ? [`${dataLiteral(after)} after it`] : []),
  ];
  if (sides.length === 0) return ": no snapshot is stored";
  return `: no snapshot of that date; the nearest ${sides.length === 1 ? "is" : "are"} ${
    sides.join(" and ")
  } (a month end is the snapshot as-of the 1st after it, 00:00 UTC)`;
}

/**
 * The column's distinct non-null values, sorted; null past MAX_VALUES. A column of more (org_id,
 * org_name) says so in its first rows, so it is not hashed whole: at a million organizations that
 * took ~2 s of the main thread for every `WHERE org_id = '…'`, found or not.
 */
function distinctValues(frame: pl.DataFrame, column: string): string[] | null {
  const values = frame.getColumn(column).dropNulls();
  const sample = 2 * MAX_VALUES;
  if (values.length > sample && values.head(sample).nUnique() > MAX_VALUES) return null;
  const unique = values.unique();
  if (unique.length > MAX_VALUES) return null;
  return (unique.toArray() as string[]).sort();
}

/**
 * A per-organization ratio column's group figure as a ratio of sums: what each organization is
 * weighed by, the sums (`onBasis` puts a window figure on a 30-day basis, as the column does), and
 * the per-plan table's column computed so, if any.
 */
interface RatioSums {
  weight: string;
  sums: (onBasis: (column: string) => string) => string;
  perPlan?: string;
}

/** The export's Derived ratio columns (a test ties the list to the column table). */
export const RATIO_SUMS: Readonly<Record<string, RatioSums>> = {
  cost_per_seat: { weight: "seats", sums: () => "sum(llm_cost_30d) / sum(seats)" },
  revenue_per_seat: { weight: "seats", sums: () => "sum(mrr) / sum(seats)" },
  cost_per_request: {
    weight: "requests_30d",
    sums: () => "sum(llm_cost_30d) / sum(requests_30d)",
  },
  revenue_per_request: {
    weight: "requests_30d",
    sums: (onBasis) => {
      const requests = onBasis("requests_30d");
      return requests === "sum(requests_30d)"
        ? `sum(mrr) / ${requests}`
        : `sum(mrr) / (${requests})`;
    },
  },
  gross_margin_pct: {
    weight: "mrr",
    sums: (onBasis) => `(sum(mrr) - ${onBasis("llm_cost_30d")}) / sum(mrr) * 100`,
    perPlan: "margin_all_pct",
  },
  seat_utilization_pct: {
    weight: "seats",
    sums: () => "sum(active_users_30d) / sum(seats) * 100",
  },
  ptb_cost_share_pct: {
    weight: "llm_cost_30d",
    sums: () => "sum(llm_cost_ptb_30d) / sum(llm_cost_30d) * 100",
    perPlan: "ptb_cost_share_pct",
  },
  gross_margin_company_pct: {
    weight: "mrr + ptb_revenue_30d",
    sums: (onBasis) => {
      const revenue = `sum(mrr) + ${onBasis("ptb_revenue_30d")}`;
      return `(${revenue} - ${onBasis("company_cost_30d")}) / (${revenue}) * 100`;
    },
    perPlan: "margin_company_pct",
  },
};

/** `avg(x)`, x maybe qualified (`p.x`) or quoted (Polars SQL has no `mean`). */
const MEAN_OF_COLUMN =
  /\b(avg)\s*\(\s*(?:distinct\s+)?(?:"?[A-Za-z_][A-Za-z0-9_]*"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?\s*\)/gi;

/**
 * For each ratio column a statement averages (`avg(gross_margin_pct)`): that the mean weighs every
 * organization alike and skips empty cells, and the ratio of sums a group's figure is. Asked for
 * the margin by tier, avg(gross_margin_pct) read the demo's pro tier -56.7 % (one $16.67 customer
 * at -6,077.6 %) against a revenue-weighted 39.9 %, the brief's basis. `windowDays`: the served
 * export's (a window figure × 30 / N where the column puts it on a 30-day basis); null over
 * history, whose snapshots may differ. Null when the statement averages no ratio column.
 */
export function ratioMeanHint(
  sql: string,
  { columns, windowDays }: { columns: readonly string[]; windowDays: number | null },
): string | null {
  const known = new Map(columns.map((name) => [name.toLowerCase(), name]));
  const onBasis = (column: string) =>
    windowDays === null || windowDays === 30
      ? `sum(${column})`
      : `sum(${column}) * 30 / ${windowDays}`;
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const [, mean, name] of sql.matchAll(MEAN_OF_COLUMN)) {
    const column = known.get(name.toLowerCase());
    const ratio = column === undefined ? undefined : RATIO_SUMS[column];
    if (column === undefined || ratio === undefined || seen.has(column)) continue;
    seen.add(column);
    const perPlan = ratio.perPlan
      ? ` (describe_dataset's per-plan table computes ${ratio.perPlan} so)`
      : "";
    notes.push(
      `${mean.toLowerCase()}(${column}) is the mean of each organization's own ${column}: every ` +
        `organization counts alike whatever its ${ratio.weight}, and those with an empty cell ` +
        `are left out; a group's ${column} weighs each by its ${ratio.weight}, a ratio of sums: ` +
        `${ratio.sums(onBasis)}${perPlan}`,
    );
  }
  return notes.length === 0 ? null : notes.join("; ");
}

/** Polars SQL's words for a subquery where it takes none (`mrr / (SELECT …)`, `(SELECT …) AS n`). */
const SUBQUERY_AS_VALUE =
  /^(?:subquery comparisons with '.*' are not supported|unexpected subquery)$/;

/** What a subquery as a value is written as in Polars SQL. */
const SUBQUERY_ADVICE = "Polars SQL takes a subquery in FROM, WITH and IN (SELECT …) only, not " +
  "as a value: put a total in a WITH and join it, WITH t AS (SELECT sum(mrr) AS total FROM " +
  "pricing_data) SELECT org_name, mrr / t.total * 100 AS share FROM pricing_data CROSS JOIN t, " +
  "or use a window, sum(mrr) OVER (); a value per row of another table is a JOIN";

/**
 * Polars' words for an expression it lacks, with its parsed form dumped after its name
 * (`Exists { … }`, `Rollup([[Identifier(…)]])`).
 */
const EXPRESSION_DUMP = /^expression (\w+)[ ({][\s\S]* is not currently supported$/;

/** A total row beside the groups, as Polars SQL writes one. */
const TOTAL_ROW_ADVICE = "a total row is a UNION ALL of the same SELECT without its GROUP BY";

/** Instead of an expression Polars SQL lacks, by its parser's name. */
const EXPRESSION_ADVICE: Readonly<Record<string, string>> = {
  Exists: "write x IN (SELECT …) or a JOIN",
  Rollup: TOTAL_ROW_ADVICE,
  Cube: TOTAL_ROW_ADVICE,
  GroupingSets: TOTAL_ROW_ADVICE,
};

/** nodejs-polars' words for a DECIMAL result (`round(x::numeric, 2)`, `CAST(x AS DECIMAL)`). */
const DECIMAL_RESULT = /^Decimal is not supported, please convert to string or number/;

/** Polars' words for a time compared with text it cannot read as one (`'…T00:00:00Z'`). */
const TIME_AGAINST_TEXT = /^cannot compare 'date\/datetime\/time' to a string value$/;

/** A time as Polars SQL compares a UTC time column with it: without its zone. */
function utcLiteral(time: Date): string {
  return time.toISOString().replace("T", " ").slice(0, 23);
}

const UNSUPPORTED_FUNCTION = /^unsupported function '(\w+)'$/;

const QUANTILE_ADVICE = "a quantile is quantile_cont(x, 0.9) or quantile_disc(x, 0.9), the " +
  "median median(x)";

/** Instead of a function Polars SQL lacks, by its name in lower case. */
const FUNCTION_ADVICE: Readonly<Record<string, string>> = {
  percentile_cont: QUANTILE_ADVICE,
  percentile_disc: QUANTILE_ADVICE,
  percentile: QUANTILE_ADVICE,
  percentile_approx: QUANTILE_ADVICE,
  approx_percentile: QUANTILE_ADVICE,
  approx_quantile: QUANTILE_ADVICE,
  quantile: QUANTILE_ADVICE,
  date_trunc: "a month is strftime(created_at, '%Y-%m'); date_part('month', created_at) and " +
    "EXTRACT(year FROM created_at) work too",
  datediff: "days between two times are (EXTRACT(epoch FROM b) - EXTRACT(epoch FROM a)) / 86400",
};

/**
 * Functions of the present moment: the data's is its as-of. (The advice's example is a BETWEEN:
 * an error's text escapes < and > as data, `\u003e=`.)
 */
const NOW_FUNCTIONS = new Set(["now", "current_date", "current_timestamp", "today", "getdate"]);

/**
 * Polars SQL's refusal of what it lacks (a subquery as a value, EXISTS, ROLLUP, percentile_cont,
 * date_trunc, datediff, now(), a DECIMAL result, a time literal ending in Z) with what to write
 * instead; an expression's dump of the parsed statement (1,800 bytes for a short EXISTS) cut to
 * its name. `asOf`: the served data's, which now()
 * would be taken for (null: not known here). Any other message as it was.
 */
export function dialectHint(message: string, { asOf }: { asOf: Date | null }): string {
  if (SUBQUERY_AS_VALUE.test(message)) return `${message} (${SUBQUERY_ADVICE})`;
  if (DECIMAL_RESULT.test(message)) {
    return `${message} (a DECIMAL or NUMERIC result cannot be returned: round(x, 2) keeps a ` +
      "number, and CAST(x AS DOUBLE) casts to one)";
  }
  if (TIME_AGAINST_TEXT.test(message)) {
    // the times the tools print end in Z, which Polars does not read in a literal
    return `${message} (write a time without its zone, in UTC: '2026-10-30 00:00:00' or ` +
      "'2026-10-30T00:00:00.000', or a date alone, '2026-10-30'; a Z or +00:00 at its end is " +
      "not read)";
  }
  const expression = message.match(EXPRESSION_DUMP);
  if (expression) {
    const advice = EXPRESSION_ADVICE[expression[1]];
    return `expression ${expression[1]} is not currently supported${advice ? ` (${advice})` : ""}`;
  }
  const name = message.match(UNSUPPORTED_FUNCTION)?.[1].toLowerCase();
  if (name === undefined) return message;
  if (NOW_FUNCTIONS.has(name)) {
    if (asOf === null) {
      return `${message} (the data is as of its export (describe_dataset), not now: write a ` +
        "time as a literal, e.g. created_at BETWEEN '2026-01-01' AND '2026-03-31')";
    }
    const before = new Date(asOf.getTime() - 90 * 86_400_000).toISOString().slice(0, 10);
    return `${message} (the data is as of ${asOf.toISOString()} (describe_dataset), not now: ` +
      `write a time as a literal, e.g. created_at BETWEEN '${before}' AND ` +
      `'${utcLiteral(asOf)}' for the 90 days before it)`;
  }
  const advice = FUNCTION_ADVICE[name];
  return advice ? `${message} (${advice})` : message;
}
