/**
 * The bridge's reconciliation (revenue-rules.md rule 3), apart from the bridge it checks
 * (bridge.ts): every row balances in integer cents, every start is the previous end, and plan ends
 * sum to the company end.
 */
import type pl from "nodejs-polars";
import { snapshotTotals } from "./bridge.ts";

export interface BridgeCheck {
  month: string;
  plan: string | null;
  problem: string;
}

/**
 * Rule 3's sum of a bridge row's movements and its end, in `unit` (a column's suffix: `_cents`, or
 * a currency bridge's `_minor`); a movement the row lacks (no row at all, no fx_impact in a bridge
 * of one currency) counts 0. `plan`: a plan's row, with its moves in and out.
 */
function balanceOf(
  row: Record<string, unknown> | undefined,
  { unit, plan }: { unit: "cents" | "minor"; plan: boolean },
): { total: bigint; end: bigint } {
  const c = (name: string) => BigInt((row?.[`${name}_${unit}`] as number | null | undefined) ?? 0);
  let total = c("start") + c("new") + c("expansion") + c("reactivation") + c("resumed") -
    c("contraction") - c("churn") - c("paused") + c("fx_impact");
  if (plan) total += c("moved_in") - c("moved_out");
  return { total, end: c("end") };
}

/**
 * Rule 3, in integer cents: every row balances (start + new + expansion + reactivation + resumed
 * (+ moved_in) − contraction − churn − paused (− moved_out) + fx_impact = end; fx_impact: rule 7,
 * bridge_fx.ts) and every start is the previous
 * end (company, and per plan). Returns the rows that fail (empty when the bridge reconciles).
 */
export function checkBridges(
  { company, plans, long, planEnds }: {
    company: pl.DataFrame;
    plans: pl.DataFrame;
    /** the snapshots, or planEnds: end_cents per (idx, plan) of every snapshot */
    long?: pl.DataFrame;
    planEnds?: pl.DataFrame;
  },
): BridgeCheck[] {
  const failures: BridgeCheck[] = [];
  const ends = new Map<string, bigint>(); // `${idx}|${plan}` → end cents, from the snapshots
  if (!planEnds && !long) throw new Error("checkBridges needs the snapshots or their plan ends");
  const snapshotEnds = planEnds ?? snapshotTotals(long as pl.DataFrame, ["idx", "plan"]);
  for (const row of snapshotEnds.toRecords()) {
    ends.set(`${row.idx}|${row.plan}`, BigInt(row.end_cents as number));
  }
  const companyEnds = new Map<number, bigint>();
  for (const [key, value] of ends) {
    const idx = Number(key.split("|")[0]);
    companyEnds.set(idx, (companyEnds.get(idx) ?? 0n) + value);
  }
  for (const row of company.toRecords()) {
    const idx = row.idx as number;
    const { total, end } = balanceOf(row, { unit: "cents", plan: false });
    if (total !== end) {
      failures.push({
        month: row.month as string,
        plan: null,
        problem: `movements give ${total}, end is ${end}`,
      });
    }
    const previous = companyEnds.get(idx - 1) ?? 0n;
    if (BigInt(row.start_cents as number) !== previous) {
      failures.push({
        month: row.month as string,
        plan: null,
        problem: `start ${row.start_cents} is not the previous end ${previous}`,
      });
    }
    if (end !== (companyEnds.get(idx) ?? 0n)) {
      failures.push({
        month: row.month as string,
        plan: null,
        problem: "end is not the snapshot's MRR",
      });
    }
  }
  const planEndsByIdx = new Map<number, bigint>();
  for (const row of plans.toRecords()) {
    const idx = row.idx as number;
    const plan = row.plan as string;
    const { total, end } = balanceOf(row, { unit: "cents", plan: true });
    if (total !== end) {
      failures.push({
        month: row.month as string,
        plan,
        problem: `movements give ${total}, end is ${end}`,
      });
    }
    const previous = ends.get(`${idx - 1}|${plan}`) ?? 0n;
    if (BigInt(row.start_cents as number) !== previous) {
      failures.push({
        month: row.month as string,
        plan,
        problem: `start ${row.start_cents} is not the previous end ${previous}`,
      });
    }
    planEndsByIdx.set(idx, (planEndsByIdx.get(idx) ?? 0n) + end);
  }
  for (const row of company.toRecords()) {
    const idx = row.idx as number;
    if ((planEndsByIdx.get(idx) ?? 0n) !== BigInt(row.end_cents as number)) {
      failures.push({
        month: row.month as string,
        plan: null,
        problem: "plan ends do not sum to the company end",
      });
    }
  }
  return failures;
}

/**
 * Rule 3 per billing currency (bridge_currency.ts), in its minor units: every row balances
 * (start + new + expansion + reactivation + resumed − contraction − churn − paused = end: no FX
 * impact in a bridge of one currency), and every start is the previous month's end in that
 * currency (0 in a month where the currency has no row: `idxs`, the company bridge's months).
 */
export function checkCurrencyBridges(
  { currencies, idxs }: { currencies: pl.DataFrame; idxs: number[] },
): BridgeCheck[] {
  const failures: BridgeCheck[] = [];
  const rows = new Map<string, Record<string, unknown>>(); // `${currency}|${idx}` → row
  const names = new Set<string>();
  for (const row of currencies.toRecords()) {
    rows.set(`${row.currency}|${row.idx}`, row);
    names.add(row.currency as string);
  }
  const m = (row: Record<string, unknown> | undefined, name: string) =>
    BigInt((row?.[`${name}_minor`] as number | null | undefined) ?? 0);
  for (const currency of [...names].sort()) {
    for (const idx of idxs) {
      const row = rows.get(`${currency}|${idx}`);
      const previous = m(rows.get(`${currency}|${idx - 1}`), "end");
      const { total, end } = balanceOf(row, { unit: "minor", plan: false });
      const month = (row?.month as string | undefined) ?? `#${idx}`;
      if (total !== end) {
        failures.push({
          month,
          plan: currency,
          problem: `movements give ${total} ${currency} minor units, end is ${end}`,
        });
      }
      if (idx - 1 >= (idxs[0] ?? 1) && m(row, "start") !== previous) {
        failures.push({
          month,
          plan: currency,
          problem: `start ${m(row, "start")} is not the previous end ${previous} (${currency})`,
        });
      }
    }
  }
  return failures;
}
