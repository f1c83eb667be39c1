/**
 * The MRR bridge's movements, in order: one list for the company, plan (bridge.ts) and currency
 * (bridge_currency.ts) bridges; its own file, as bridge.ts imports bridge_currency.ts.
 */
export const MOVEMENTS = [
  "new",
  "expansion",
  "contraction",
  "churn",
  "reactivation",
  "paused",
  "resumed",
] as const;
