/**
 * A snapshot whose Stripe read succeeded but gives every organization recurring MRR 0 (a key of
 * the wrong Stripe account or mode that still knows the customer ids, every subscription read as
 * canceled): its revenue is known, so it is not left out as one without revenue is, and the bridge
 * reads its month as everyone churning and the next as everyone coming back. A business does not
 * lose all of its revenue between two month ends, so the report names such a snapshot in one line
 * when the reported snapshot before it has revenue. Consecutive ones (the same wrong key twice) are
 * named together in one line: the bridge between two snapshots at $0 moves nothing, so the second
 * would otherwise go unsaid, and a run that lasts to the last snapshot is named like a single one.
 */
import pl from "nodejs-polars";
import { listInWords } from "../core/words.ts";

/** Consecutive reported snapshots at $0 after one with recurring MRR (zeroMrrSnapshots). */
export interface ZeroMrrRun {
  /** their as-of keys, oldest first */
  months: string[];
  /** whether the reported snapshot after them has recurring MRR (its month reads as everyone back) */
  recovered: boolean;
}

/**
 * The runs of consecutive snapshots of `months` (reported, oldest first; each with MRR known for
 * some organizations: reportedPoints) with organizations whose recurring MRR (planEnds' `end_cents`
 * by `month`) totals 0, each right after a reported snapshot that has some. A run at the start is
 * never named: a business may well start at 0 before its first payment.
 */
export function zeroMrrSnapshots(
  { planEnds, months }: { planEnds: pl.DataFrame; months: { month: string; rows: number }[] },
): ZeroMrrRun[] {
  const totals = new Map<string, number>();
  for (const row of planEnds.groupBy("month").agg(pl.col("end_cents").sum()).toRecords()) {
    totals.set(row.month as string, Number(row.end_cents ?? 0));
  }
  const paying = (i: number) => (totals.get(months[i].month) ?? 0) > 0;
  const atZero = (i: number) => months[i].rows > 0 && !paying(i);
  const runs: ZeroMrrRun[] = [];
  for (let i = 1; i < months.length; i++) {
    if (!atZero(i) || !paying(i - 1)) continue;
    let end = i;
    while (end + 1 < months.length && atZero(end + 1)) end++;
    runs.push({
      months: months.slice(i, end + 1).map((m) => m.month),
      recovered: end + 1 < months.length && paying(end + 1),
    });
    i = end;
  }
  return runs;
}

/** The line on each zeroMrrSnapshots run: in the report's Markdown, and warned by `history report`. */
export function zeroMrrSentences(runs: ZeroMrrRun[]): string[] {
  return runs.map(({ months, recovered }) => {
    if (months.length === 1) {
      return `snapshot as-of ${
        months[0]
      } has recurring MRR $0 for every organization though its revenue was read, while the snapshot${
        recovered ? "s beside it have" : " before it has"
      } some: likely Stripe read with a key of another account or mode, so its month reads as every customer churning${
        recovered ? " and the next as every customer coming back" : ""
      }. Check that snapshot; an export \`--as-of\` its as-of, or \`deno task history backfill --replace\`, writes it again.`;
    }
    const [first, ...rest] = months;
    const reads = [
      `the month to as-of ${first} reads as every customer churning`,
      `the month${rest.length === 1 ? "" : "s"} to as-of ${
        listInWords(rest)
      } as nothing moving ($0 to $0)`,
      ...(recovered ? ["the next as every customer coming back"] : []),
    ];
    return `snapshots as-of ${
      listInWords(months)
    } have recurring MRR $0 for every organization though their revenue was read, while the snapshot${
      recovered ? "s before and after them have" : " before them has"
    } some: likely Stripe read with a key of another account or mode each time, so ${
      listInWords(reads)
    }. Check those snapshots; an export \`--as-of\` each as-of, or \`deno task history backfill --replace\`, writes them again.`;
  });
}
