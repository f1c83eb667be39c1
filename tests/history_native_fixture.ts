/**
 * The native-amount tests' two paying organizations: org_jpy billed in yen (USD at 0.0067 a yen,
 * to the cent, as the export stores it) and org_usd at $50.00.
 */
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

/** Their export frame; `stored`: with mrr_recurring_minor (¥`yen` and 5000 cents), or without. */
export function yenFrame(yen: number, stored: boolean): pl.DataFrame {
  const usd = Math.round(yen * 0.67) / 100;
  const frame = exportFrameFromColumns({
    org_id: ["org_jpy", "org_usd"],
    tier: ["pro", "pro"],
    plan: ["pro", "pro"],
    stripe_customer_id: ["cus_jpy", "cus_usd"],
    revenue_source: ["stripe", "stripe"],
    currency: ["JPY", "USD"],
    mrr_recurring: [usd, 50],
    mrr: [usd, 50],
    subscription_status: ["active", "active"],
    requests_30d: [100, 100],
    llm_cost_30d: [0, 0],
    llm_cost_ptb_30d: [0, 0],
  });
  return stored
    ? frame.withColumns(pl.Series("mrr_recurring_minor", [yen, 5000], pl.Int64))
    : frame;
}
