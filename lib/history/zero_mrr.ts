/**
 * A snapshot whose Stripe read succeeded but gives every organization recurring MRR 0 (a key of
 * the wrong Stripe account or mode that still knows the customer ids, every subscription read as
 * canceled): its revenue is known, so it is not left out as one without revenue is, and the bridge
 * reads its month as everyone churning and the next as everyone coming back. A business does not
 * lose and win back all of its revenue between two month ends, so the report names such a snapshot
 * in one line when the reported snapshots beside it have revenue.
 */
import pl from "nodejs-polars";

/**
 * As-of keys (the planEnds' `month`) of the snapshots `months` (reported, oldest first; each with
 * MRR known for some organizations: reportedPoints) with organizations whose recurring MRR totals
 * 0 while the reported snapshot before it has some, and the one after it too where there is one.
 * The first is never named: a business may well start at 0 before its first payment.
 */
export function zeroMrrSnapshots(
  { planEnds, months }: { planEnds: pl.DataFrame; months: { month: string; rows: number }[] },
): string[] {
  const totals = new Map<string, number>();
  for (const row of planEnds.groupBy("month").agg(pl.col("end_cents").sum()).toRecords()) {
    totals.set(row.month as string, Number(row.end_cents ?? 0));
  }
  const total = (i: number) => totals.get(months[i].month) ?? 0;
  return months.flatMap(({ month, rows }, i) => {
    const after = i + 1 < months.length ? total(i + 1) > 0 : true;
    return i > 0 && rows > 0 && total(i) === 0 && total(i - 1) > 0 && after ? [month] : [];
  });
}

/** The line on each zeroMrrSnapshots snapshot: in the report's Markdown, and warned by `history report`. */
export function zeroMrrSentences(months: string[]): string[] {
  return months.map((month) =>
    `snapshot as-of ${month} has recurring MRR $0 for every organization though its revenue was read, while the snapshots beside it have some: likely Stripe read with a key of another account or mode, so its month reads as every customer churning and the next as every customer coming back. Check that snapshot; an export \`--as-of\` its as-of, or \`deno task history backfill --replace\`, writes it again.`
  );
}
