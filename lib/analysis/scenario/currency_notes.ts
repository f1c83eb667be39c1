/**
 * What a comparison says about customers billed in another currency than USD: the export's MRR is
 * theirs converted to USD at PRICING_FX_RATES, while a scenario's prices (and the price book's)
 * are USD, so a customer billed a price's figure in its own currency (100 EUR for a 100 USD price)
 * reads the exchange rate as a change; as the per-plan table's currency note says of
 * mrr_to_list_pct (lib/economics/report.ts).
 */
import pl from "nodejs-polars";
import { perDistinctValue } from "./pricing_inputs.ts";
import { customersChange, movedCustomers } from "./term_notes.ts";

/**
 * Each row's codes other than USD in its currency cell (comma-separated for a customer billed in
 * several; trimmed, upper case), "" for none; read once per distinct value.
 */
function foreignCodes(frame: pl.DataFrame): pl.Series {
  const { rows } = perDistinctValue(frame, {
    keys: [pl.col("currency").cast(pl.Utf8)],
    columnsOf: (values) => [
      pl.Series(
        "foreign",
        (values.getColumn("currency").toArray() as (string | null)[]).map((text) =>
          (text ?? "").split(",").map((code) => code.trim().toUpperCase())
            .filter((code) => code !== "" && code !== "USD").join(",")
        ),
        pl.Utf8,
      ),
    ],
  });
  return rows.getColumn("foreign");
}

/**
 * One warning for the customers billed in another currency whose MRR a scenario changes, with
 * their currencies, how many pay more and the change's sum, or null (none, or a frame without
 * currency). A Stripe customer counts once, on its revenue row (the row that carries current_mrr
 * and the currency); one billed 0 is not counted (movedCustomers): 0 is $0 at any rate.
 */
export function currencyWarning(frame: pl.DataFrame, perOrg: pl.DataFrame): string | null {
  if (!frame.columns.includes("currency")) return null;
  const moved = movedCustomers(perOrg, {
    flags: foreignCodes(frame),
    picked: pl.col("foreign").neq(pl.lit("")),
  });
  if (moved.height === 0) return null;
  const codes = [
    ...new Set((moved.getColumn("foreign").toArray() as string[]).flatMap((c) => c.split(","))),
  ].sort();
  const { lead, its } = customersChange({
    moved,
    billed: `billed in ${codes.join(", ")} (not USD)`,
  });
  return `${lead}: ${its} MRR is converted to USD at PRICING_FX_RATES and set against the scenario's USD prices (and the price book's), so one billed 100 ${
    codes[0]
  } for a 100 USD price reads the exchange rate as a change: part of ${its} change is the rate, not the scenario's prices`;
}
