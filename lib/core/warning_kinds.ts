/**
 * The kinds a run's warnings are stored with (an export's manifest and history sidecar record one
 * per warning, `warning_kinds`), so a reader that acts on a stored warning finds it by its kind,
 * not by its words: the MCP server replaces an export's PTB warnings with ones worked out from its
 * rows, and adds the window's warning only when none is stored; the admin page finds a run's
 * REVENUE MISSING warning by its kind. Every warning the kit reads back by kind has one here; all
 * others are `other`. The texts users read are the warnings as ever.
 */

/** Every kind; a stored kind not in this list (a newer kit's) reads as `other`. */
export const WARNING_KINDS = [
  /** a plan's company margin pulled down by PTB cost without PTB revenue: timing (ptb_timing.ts) */
  "ptb_timing",
  /** … by PTB cost of organizations without a Stripe customer (ptb_timing.ts) */
  "ptb_no_customer",
  /** the window is not 30 days (lib/frame/monthly.ts windowWarning) */
  "window",
  /**
   * REVENUE MISSING: Stripe could not be read, the revenue columns are empty (lib/revenue/mod.ts
   * missingRevenue); the admin page shows it as its banner, not among the warnings
   */
  "revenue_missing",
  "other",
] as const;

export type WarningKind = typeof WARNING_KINDS[number];

/** One warning as its maker gives it: what users read, and its kind. */
export interface KindedWarning {
  kind: WarningKind;
  text: string;
}

/**
 * The kind of each warning text of a run or stored export that is not `other` (a text is one
 * warning's whatever list it is in, so its kind goes with it as stages add warnings).
 */
export type WarningKinds = ReadonlyMap<string, WarningKind>;

/** Whether `value` is a kind of WARNING_KINDS. */
export function isWarningKind(value: unknown): value is WarningKind {
  return (WARNING_KINDS as readonly unknown[]).includes(value);
}

/** `warnings`' kinds, one per warning as a manifest or sidecar stores them (`warning_kinds`). */
export function storedWarningKinds(
  warnings: readonly string[],
  kinds: WarningKinds | undefined,
): WarningKind[] {
  return warnings.map((text) => kinds?.get(text) ?? "other");
}

/**
 * The kinds a manifest or sidecar stored (`warning_kinds`, one per warning) by text; null when it
 * stored none (written before kinds were) or a list not one per warning (its warnings edited by
 * hand since): the reader then knows the warnings by their words, as it did before.
 */
export function warningKindsFromStored(
  warnings: readonly string[],
  stored: unknown,
): Map<string, WarningKind> | null {
  if (!Array.isArray(stored) || stored.length !== warnings.length) return null;
  const kinds = new Map<string, WarningKind>();
  warnings.forEach((text, i) => {
    const kind = stored[i];
    if (isWarningKind(kind) && kind !== "other") kinds.set(text, kind);
  });
  return kinds;
}
